# files_on=ext4: MADV_NOHUGEPAGE after MADV_HUGEPAGE: the readahead is order-0 read-around, no PMD.
machine files_on=ext4 read_ahead_kb=8192
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDONLY) = 3
mmap(0x100000000, 0x400000, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
madvise(0x100000000, 0x400000, MADV_NOHUGEPAGE) = 0
load 0x100000000
dump smaps
