# MADV_COLLAPSE of a tmpfs range collapses under huge=never too (the advice is forced).
machine tmpfs_huge=never
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
load 0x100000000
load 0x100200000
dump smaps before
madvise(0x100000000, 0x400000, MADV_COLLAPSE) = 0
dump smaps after
load 0x100300000
dump smaps after load
