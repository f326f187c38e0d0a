# files_on=ext4: a read fault in a MADV_HUGEPAGE private mapping of an aligned 4 MiB file reads two 2 MiB folios and maps one with a PMD.
machine files_on=ext4 read_ahead_kb=8192
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDONLY) = 3
mmap(0x100000000, 0x400000, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
load 0x100000000
dump smaps first
load 0x100200005
dump smaps second
load 0x100001000
dump smaps
