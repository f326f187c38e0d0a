# tmpfs huge=always: a mapping whose file offset is not 2 MiB-aligned to its address maps the 2 MiB folios by 4 KiB entries; so does a VMA smaller than the block.
machine tmpfs_huge=always
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0x1000) = 0x100000000
mmap(0x100400000, 0x100000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0x200000) = 0x100400000
load 0x100000000
load 0x100400000
store 0x100410000 1 3
dump smaps
