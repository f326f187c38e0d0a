# files_on=ext4: a 3 MiB file: the second 2 MiB block is read in the largest folios the file holds (no PMD), the first is a PMD.
machine files_on=ext4 read_ahead_kb=8192
window 0x100000000 0x101000000
file f 0x300000
openat(AT_FDCWD, "f", O_RDONLY) = 3
mmap(0x100000000, 0x400000, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
load 0x100000000
load 0x100200000
load 0x1002f0000
dump smaps
load 0x100300000
