# MADV_COLLAPSE of MAP_SHARED|MAP_ANONYMOUS memory (shmem_enabled=never): both blocks become PMD-mapped 2 MiB folios holding what was written.
window 0x100000000 0x101000000
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 1 1
store 0x100201000 1 2
madvise(0x100000000, 0x400000, MADV_COLLAPSE) = 0
dump smaps
load 0x100000000 0x2000
load 0x100201000
