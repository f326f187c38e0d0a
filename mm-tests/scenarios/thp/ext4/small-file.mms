# files_on=ext4: a MADV_HUGEPAGE mapping of a file smaller than 2 MiB: readahead in the largest folios that fit, mapped by PTEs.
machine files_on=ext4 read_ahead_kb=8192
window 0x100000000 0x101000000
file f 0x180000
openat(AT_FDCWD, "f", O_RDONLY) = 3
mmap(0x100000000, 0x200000, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
load 0x100000000
dump smaps
load 0x100100000
dump smaps
