# tmpfs huge=advise, max_ptes_none=0: what counts is the page cache, not
# the page tables: the block the file holds whole is collapsed though one
# page of it is mapped; the block it holds half of (the file's last
# 1 MiB is a hole) is not.
machine tmpfs_huge=advise khugepaged_max_ptes_none=0
window 0x100000000 0x101000000
file f 0x300000
openat(AT_FDCWD, "f", O_RDWR) = 3
ftruncate(3, 0x400000) = 0
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
load 0x100010000
load 0x100210000
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
dump smaps before
khugepaged
dump smaps after
load 0x100000000 0x2000
load 0x100200000 0x2000
dump smaps faulted
