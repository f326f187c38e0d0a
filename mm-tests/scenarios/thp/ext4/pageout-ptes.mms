# files_on=ext4: MADV_PAGEOUT of PTE-mapped pages of an unaligned mapping's 2 MiB folio.
machine files_on=ext4 read_ahead_kb=8192
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDONLY) = 3
mmap(0x100000000, 0x400000, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0x1000) = 0x100000000
madvise(0x100000000, 0x3ff000, MADV_HUGEPAGE) = 0
load 0x100000000
madvise(0x100000000, 0x10000, MADV_PAGEOUT) = 0
dump smaps paged-out
mincore(0x100000000, 0x3ff000, v) = 0
load 0x100000000
dump smaps
