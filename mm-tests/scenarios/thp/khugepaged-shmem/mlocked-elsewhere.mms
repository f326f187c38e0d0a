# A second mapping of the tmpfs file mlocks one page of the block:
# collapse_file unmaps it all the same (TTU_IGNORE_MLOCK); the mlocked
# mapping, split into three VMAs, keeps its (empty) page table.
machine tmpfs_huge=advise
window 0x100000000 0x101000000
file f 0x200000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
mmap(0x100400000, 0x200000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100400000
mlock(0x100401000, 0x1000) = 0
load 0x100000000
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
dump smaps before
khugepaged
dump smaps after
load 0x100000000
load 0x100401000
load 0x100402000
dump smaps faulted
