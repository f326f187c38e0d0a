# files_on=ext4: munmap of part of a PMD-mapped file folio drops the leaf; the rest faults back in with PTEs.
machine files_on=ext4 read_ahead_kb=8192
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDONLY) = 3
mmap(0x100000000, 0x400000, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
load 0x100000000
load 0x100200000
munmap(0x100100000, 0x1000) = 0
dump smaps unmapped
load 0x100000000
load 0x100180000
dump smaps
