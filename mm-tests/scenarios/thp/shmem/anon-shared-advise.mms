# shmem_enabled=advise: only the MADV_HUGEPAGE part of MAP_SHARED|MAP_ANONYMOUS memory takes a 2 MiB folio.
machine thp_shmem_enabled=advise
window 0x100000000 0x101000000
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100200000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100000000 1 1
store 0x100200000 1 2
dump smaps
