# files_on=ext4: a first fault in the second 2 MiB block of a 8 MiB file reads it and the third; the first and last blocks fault on their own.
machine files_on=ext4 read_ahead_kb=8192
window 0x100000000 0x101000000
file f 0x800000
openat(AT_FDCWD, "f", O_RDONLY) = 3
mmap(0x100000000, 0x800000, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x800000, MADV_HUGEPAGE) = 0
load 0x100200000
dump smaps first
load 0x100400000
dump smaps second
load 0x100000000
load 0x100600000
dump smaps
