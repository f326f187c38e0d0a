# A 4 MiB mapping that starts 4 KiB past a 2 MiB boundary: only the whole aligned block
# inside it can take a THP; faults at the edges fall back to 4 KiB pages.
window 0x100000000 0x101000000
mmap(0x100001000, 0x400000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100001000
madvise(0x100001000, 0x400000, MADV_HUGEPAGE) = 0
store 0x100001000
store 0x100200000
store 0x100400000
dump smaps
