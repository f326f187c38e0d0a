# files_on=ext4: two mappings of a PMD-mapped folio: MADV_PAGEOUT of one leaves it (mapped elsewhere); munmap of that one lets the other be paged out.
machine files_on=ext4 read_ahead_kb=8192
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDONLY) = 3
mmap(0x100000000, 0x200000, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
mmap(0x100400000, 0x200000, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100400000
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
madvise(0x100400000, 0x200000, MADV_HUGEPAGE) = 0
load 0x100000000
load 0x100400000
madvise(0x100000000, 0x200000, MADV_PAGEOUT) = 0
dump smaps
munmap(0x100400000, 0x200000) = 0
madvise(0x100000000, 0x200000, MADV_PAGEOUT) = 0
dump smaps after
