# files_on=ext4: mprotect of a whole PMD-mapped block keeps the leaf, of part of one drops it.
machine files_on=ext4 read_ahead_kb=8192
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDONLY) = 3
mmap(0x100000000, 0x400000, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
load 0x100000000
load 0x100200000
mprotect(0x100000000, 0x200000, PROT_NONE) = 0
mprotect(0x100200000, 0x1000, PROT_NONE) = 0
dump smaps
load 0x100300000
dump smaps after
