# files_on=ext4: a write to a private mapping of a PMD-mapped file folio drops the leaf and copies one page.
machine files_on=ext4 read_ahead_kb=8192
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDONLY) = 3
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
load 0x100000000
dump smaps read
store 0x100005000 1 9
dump smaps written
load 0x100000000 0x20000
dump smaps
