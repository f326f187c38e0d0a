# files_on=ext4: a file read with read() first is cached in folios readahead chose; a MADV_HUGEPAGE fault then maps what is cached.
machine files_on=ext4 read_ahead_kb=8192
window 0x100000000 0x101000000
file f 0x400000
mmap(0x100800000, 0x100000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100800000
openat(AT_FDCWD, "f", O_RDONLY) = 3
pread64(3, 0x100800000, 0x100000, 0) = 1048576
mmap(0x100000000, 0x400000, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
load 0x100000000
load 0x100200000
dump smaps
