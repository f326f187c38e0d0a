# tmpfs huge=advise: only a MADV_HUGEPAGE mapping's hole faults take a 2 MiB folio; a file written by write() has 4 KiB pages.
machine tmpfs_huge=advise
window 0x100000000 0x101000000
file f 0x200000
openat(AT_FDCWD, "f", O_RDWR) = 3
ftruncate(3, 0x800000) = 0
mmap(0x100000000, 0x800000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100400000, 0x400000, MADV_HUGEPAGE) = 0
load 0x100000000
load 0x100200000
load 0x100400000
store 0x100600000 1 4
dump smaps
