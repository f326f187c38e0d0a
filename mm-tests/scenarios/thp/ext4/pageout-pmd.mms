# files_on=ext4: MADV_PAGEOUT of a PMD-mapped clean file folio unmaps it (the PMD goes) and reclaims it whole; the next access reads it again (a major fault).
machine files_on=ext4 read_ahead_kb=8192
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDONLY) = 3
mmap(0x100000000, 0x400000, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
load 0x100000000
load 0x100200000
madvise(0x100000000, 0x200000, MADV_PAGEOUT) = 0
dump smaps paged-out
mincore(0x100000000, 0x400000, v) = 0
load 0x100000000
dump smaps
