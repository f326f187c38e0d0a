# files_on=ext4: a MADV_HUGEPAGE mapping that starts 4 KiB past a 2 MiB boundary: no PMD in its first block, a PMD in the next.
machine files_on=ext4 read_ahead_kb=8192
window 0x100000000 0x101000000
file f 0x600000
openat(AT_FDCWD, "f", O_RDONLY) = 3
mmap(0x100001000, 0x400000, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0x1000) = 0x100001000
madvise(0x100001000, 0x400000, MADV_HUGEPAGE) = 0
load 0x100001000
dump smaps first
load 0x100200000
dump smaps
