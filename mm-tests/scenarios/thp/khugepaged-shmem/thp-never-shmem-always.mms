# thp_enabled=never does not stop khugepaged while shmem_enabled lets
# shared memory take PMD-sized folios (hugepage_pmd_enabled asks
# shmem_hpage_pmd_enabled too): the mmap of shared anonymous memory puts
# the address space on its list, and the block written in 4 KiB pages
# under MADV_NOHUGEPAGE is collapsed once advised.
machine thp_enabled=never thp_shmem_enabled=always
window 0x100000000 0x101000000
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 0x200000, MADV_NOHUGEPAGE) = 0
store 0x100000000 0x4000 3
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
khugepaged
dump smaps after
load 0x100000000
dump smaps faulted
