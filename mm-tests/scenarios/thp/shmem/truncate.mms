# tmpfs huge=always: ftruncate into a PMD-mapped 2 MiB folio drops the PMD of that block and the pages past the new end; the pages before it stay cached.
machine tmpfs_huge=always
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
load 0x100000000
load 0x100200000
ftruncate(3, 0x300000) = 0
dump smaps after truncate
load 0x100200000
load 0x1002ff000
load 0x100300000
dump smaps after loads
