# files_on=ext4: MADV_POPULATE_READ and mlock of a MADV_HUGEPAGE file mapping read it in 2 MiB folios and map them by PMDs.
machine files_on=ext4 read_ahead_kb=8192
window 0x100000000 0x101000000
file f 0x800000
openat(AT_FDCWD, "f", O_RDONLY) = 3
mmap(0x100000000, 0x800000, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x800000, MADV_HUGEPAGE) = 0
madvise(0x100000000, 0x400000, MADV_POPULATE_READ) = 0
dump smaps populated
mlock(0x100400000, 0x400000) = 0
dump smaps locked
