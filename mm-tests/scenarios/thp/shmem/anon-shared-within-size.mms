# shmem_enabled=within_size: a 2 MiB folio only for a block inside the shared memory's size; the last, partial block takes 4 KiB pages unless MADV_HUGEPAGE.
machine thp_shmem_enabled=within_size
window 0x100000000 0x101000000
mmap(0x100000000, 0x300000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 1 1
store 0x100200000 1 2
mmap(0x100400000, 0x300000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100400000
madvise(0x100400000, 0x300000, MADV_HUGEPAGE) = 0
store 0x100600000 1 3
dump smaps
