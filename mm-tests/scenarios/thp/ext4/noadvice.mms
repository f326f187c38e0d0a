# files_on=ext4 without MADV_HUGEPAGE: a first read fault is a major fault that reads around the page in order-0 folios; fault-around maps 16 of them.
machine files_on=ext4 read_ahead_kb=8192
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDONLY) = 3
mmap(0x100000000, 0x400000, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
load 0x100000000
dump smaps
