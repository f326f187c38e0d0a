# tmpfs huge=always: mremap of a whole PMD-mapped block to an aligned address moves the PMD; to an unaligned one it drops it.
machine tmpfs_huge=always
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
load 0x100000000
load 0x100200000
mremap(0x100000000, 0x200000, 0x200000, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100800000) = 0x100800000
mremap(0x100200000, 0x200000, 0x200000, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100a01000) = 0x100a01000
dump smaps
load 0x100a01000
dump smaps after load
