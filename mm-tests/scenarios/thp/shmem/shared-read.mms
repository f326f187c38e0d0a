# tmpfs huge=always: a file written in 2 MiB writes is cached in 2 MiB folios; a read fault in a MAP_SHARED mapping maps one with a PMD (one fault per 2 MiB, ShmemPmdMapped).
machine tmpfs_huge=always
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
load 0x100000000
dump smaps one block
load 0x100201000 0x2000
load 0x100001000
dump smaps both blocks
