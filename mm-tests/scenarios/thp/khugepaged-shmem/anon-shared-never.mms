# shmem_enabled=never: MADV_HUGEPAGE on shared anonymous memory lets
# khugepaged collapse none of it, though the address space is on its list
# (an anonymous private THP region put it there).
window 0x100000000 0x101000000
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 0x4000 7
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
mmap(0x100800000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100800000
madvise(0x100800000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100800000
khugepaged
dump smaps after
