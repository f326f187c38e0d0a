# A NULL-hint mapping of a multiple of 2 MiB is placed 2 MiB aligned
# (thp_get_unmapped_area), so MADV_HUGEPAGE and a write map a THP.
window 0x100000000 0x101000000
mmap(NULL, 0x400000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $a
madvise($a, 0x400000, MADV_HUGEPAGE) = 0
store $a
store $a+0x200000
dump smaps
