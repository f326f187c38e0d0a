# tmpfs huge=within_size: a hole takes a 2 MiB folio only if the block lies inside the file's size; past it, 4 KiB pages.
machine tmpfs_huge=within_size
window 0x100000000 0x101000000
file f 0x1000
openat(AT_FDCWD, "f", O_RDWR) = 3
ftruncate(3, 0x500000) = 0
mmap(0x100000000, 0x600000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
load 0x100200000
store 0x100400000 1 8
dump smaps
