# tmpfs huge=always: punching a hole in a PMD-mapped 2 MiB folio drops the PMD; the hole reads zeros, the rest of the folio its bytes.
machine tmpfs_huge=always
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
load 0x100000000
load 0x100200000
fallocate(3, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, 0x210000, 0x10000) = 0
dump smaps after punch
load 0x100200000
load 0x100210000
dump smaps after loads
