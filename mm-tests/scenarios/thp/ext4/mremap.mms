# files_on=ext4: mremap of a whole PMD-mapped file block to an aligned address moves the leaf; to an unaligned one drops it.
machine files_on=ext4 read_ahead_kb=8192
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDONLY) = 3
mmap(0x100000000, 0x400000, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
load 0x100000000
load 0x100200000
mremap(0x100000000, 0x200000, 0x200000, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100800000) = 0x100800000
mremap(0x100200000, 0x200000, 0x200000, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100c01000) = 0x100c01000
dump smaps
load 0x100800000
load 0x100c01000
dump smaps after
