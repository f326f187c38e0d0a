# tmpfs huge=within_size: a 3 MiB file is written as a 2 MiB folio and a
# 1 MiB one (the largest that ends inside the file); grown to 4 MiB and
# mapped with MADV_HUGEPAGE, its second block holds the 1 MiB folio and
# a hole.  What khugepaged makes of a block holding a folio smaller than
# 2 MiB.
machine tmpfs_huge=within_size
window 0x100000000 0x101000000
file f 0x300000
openat(AT_FDCWD, "f", O_RDWR) = 3
ftruncate(3, 0x400000) = 0
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
load 0x100200000
dump smaps before
khugepaged
dump smaps after
load 0x100200000
load 0x100300000
dump smaps faulted
