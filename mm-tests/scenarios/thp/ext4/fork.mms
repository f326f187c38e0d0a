# files_on=ext4: fork does not copy a file PMD leaf; the child faults the folio in with its own leaf.
machine files_on=ext4 read_ahead_kb=8192
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDONLY) = 3
mmap(0x100000000, 0x400000, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
load 0x100000000
load 0x100200000
fork
process 1
dump smaps child
load 0x100200000
dump smaps child-read
exit
dump smaps parent
