# tmpfs huge=always: munmap of one page of a PMD-mapped block drops the PMD (file PMDs are not split into PTEs); the rest of the block faults back in by 4 KiB pages.
machine tmpfs_huge=always
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
load 0x100000000
load 0x100200000
munmap(0x100100000, 0x1000) = 0
dump smaps after munmap
load 0x100000000
load 0x100101000
dump smaps after loads
munmap(0x100200000, 0x200000) = 0
dump smaps whole block unmapped
