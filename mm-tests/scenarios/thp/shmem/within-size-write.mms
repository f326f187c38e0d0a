# tmpfs huge=within_size: a write takes the largest folio that ends inside the file: a 64 KiB file one 64 KiB folio, a 3 MiB file a 2 MiB and a 1 MiB one.
machine tmpfs_huge=within_size
window 0x100000000 0x101000000
file s 0x10000
file t 0x300000
openat(AT_FDCWD, "s", O_RDWR) = 3
openat(AT_FDCWD, "t", O_RDWR) = 4
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
mmap(0x100400000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 4, 0) = 0x100400000
store 0x100001000 1 1
load 0x100400000
load 0x100600000
store 0x1006ff000 1 2
dump smaps
