# Ported from tools/testing/selftests/mm/map_populate.c, main().
# (tmpfile replaced by a tmpfs file, the socket hand-over by process lines)
# MAP_PRIVATE|MAP_POPULATE of a writable file mapping COWs its pages: the
# child's private page is populated, does not change the file, and does
# not see what the parent then writes through its MAP_SHARED mapping.
window 0x100000000 0x101000000
file tmp 4096
openat(AT_FDCWD, "tmp", O_RDWR) = 3
mmap(0x100000000, 4096, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
store 0x100000000 1 0xbe
msync(0x100000000, 4096, MS_SYNC) = 0
fork
process 1
mmap(0x100010000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_POPULATE|MAP_FIXED, 3, 0) = 0x100010000
dump child populated
load 0x100010000
process 0
store 0x100000000 1 0xad
msync(0x100000000, 4096, MS_SYNC) = 0
process 1
load 0x100010000
load 0x100000000
dump child
