# files_on=ext4: MADV_PAGEOUT of a dirty PMD-mapped shared file folio unmaps it and starts writeback; the folio stays cached.
machine files_on=ext4 read_ahead_kb=8192
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
store 0x100000000 1 3
madvise(0x100000000, 0x200000, MADV_PAGEOUT) = 0
dump smaps paged-out
load 0x100000000
dump smaps
