# tmpfs huge=always: a fault in a hole (the file grown by ftruncate) allocates a 2 MiB folio and maps it with a PMD, a read as a write.
machine tmpfs_huge=always
window 0x100000000 0x101000000
file f 0x1000
openat(AT_FDCWD, "f", O_RDWR) = 3
ftruncate(3, 0x600000) = 0
mmap(0x100000000, 0x600000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
load 0x100200000
store 0x100400000 1 8
load 0x100000000
dump smaps
