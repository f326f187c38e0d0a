# Ported from tools/testing/selftests/mm/cow.c, run_with_tmpfile: "Basic COW" (non-anon; tmpfile as a tmpfs file).
# The same with a second file.
window 0x100000000 0x101000000
file tmpfile 8192
openat(AT_FDCWD, "tmpfile", O_RDWR) = 3
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
mmap(0x100010000, 8192, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100010000
load 0x100000000 8192
load 0x100010000 8192
dump read
store 0x100000000 1 0xff
load 0x100000000 8192
load 0x100010000 8192
dump private write
