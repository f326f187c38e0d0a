# files_on=ext4: MADV_DONTNEED of part of a PMD-mapped block drops its leaf, of a whole block zaps the leaf; faults map the folios again.
machine files_on=ext4 read_ahead_kb=8192
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDONLY) = 3
mmap(0x100000000, 0x400000, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
load 0x100000000
load 0x100200000
madvise(0x100000000, 0x1000, MADV_DONTNEED) = 0
madvise(0x100200000, 0x200000, MADV_DONTNEED) = 0
dump smaps advised
load 0x100010000
load 0x100300000
dump smaps
