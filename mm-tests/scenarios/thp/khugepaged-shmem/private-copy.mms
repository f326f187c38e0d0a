# A MAP_PRIVATE mapping of the tmpfs file that wrote a page (it has an
# anon_vma) keeps its page table and its private copy; its file pages are
# unmapped by the collapse and fault back in 4 KiB entries of the new
# folio, while the shared mapping's next fault maps a PMD.
machine tmpfs_huge=advise
window 0x100000000 0x101000000
file f 0x200000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
mmap(0x100400000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100400000
store 0x100400000 1 0x77
load 0x100401000
load 0x100000000
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
dump smaps before
khugepaged
dump smaps after
load 0x100400000 0x2000
load 0x100000000
dump smaps faulted
