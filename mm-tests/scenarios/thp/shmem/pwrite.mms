# tmpfs huge=always: a 2 MiB pwrite64 at an aligned offset fills a hole with one 2 MiB folio, a 1 MiB one with a 1 MiB folio; faults map the first with a PMD.
machine tmpfs_huge=always
window 0x100000000 0x101000000
file f 0x1000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100800000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100800000
store 0x100800000 0x200000 0x61
pwrite64(3, 0x100800000, 0x200000, 0x200000) = 2097152
pwrite64(3, 0x100800000, 0x100000, 0x400000) = 1048576
mmap(0x100000000, 0x600000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
load 0x100200000
load 0x100400000
dump smaps
