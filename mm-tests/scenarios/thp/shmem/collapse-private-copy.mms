# MADV_COLLAPSE of a MAP_PRIVATE tmpfs mapping with a private copy in a block: EINVAL, the copy stays.
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
load 0x100000000
store 0x100201000 1 9
madvise(0x100000000, 0x400000, MADV_COLLAPSE) = -1 EINVAL (Invalid argument)
dump smaps
load 0x100201000
