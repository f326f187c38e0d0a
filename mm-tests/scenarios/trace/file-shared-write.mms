# shared file mappings on tmpfs: a write fault dirties the page-cache page
# (do_shared_fault); fault-around maps the others writable, so a store to
# them takes no fault
window 0x100000000 0x101000000
file f 16384
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
store 0x100000000 1 0x61
load 0x100001000 1
store 0x100002000 1 0x62
msync(0x100000000, 16384, MS_SYNC) = 0
munmap(0x100000000, 16384) = 0
mmap(0x100000000, 16384, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
load 0x100000000 12288
dump
