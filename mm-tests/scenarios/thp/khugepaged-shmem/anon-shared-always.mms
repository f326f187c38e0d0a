# shmem_enabled=always: shared anonymous memory written in 4 KiB pages
# under MADV_NOHUGEPAGE, then given MADV_HUGEPAGE (which clears
# VM_NOHUGEPAGE), is collapsed by khugepaged block by block; the next
# access of each block maps the new folio with one PMD.
machine thp_shmem_enabled=always
window 0x100000000 0x101000000
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_NOHUGEPAGE) = 0
store 0x100000000 0x3000 3
store 0x100300000 0x1000 4
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
dump smaps before
khugepaged
dump smaps after
load 0x100002000
load 0x100300000
dump smaps faulted
