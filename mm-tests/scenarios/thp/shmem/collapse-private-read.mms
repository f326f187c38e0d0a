# MADV_COLLAPSE of a read-only MAP_PRIVATE tmpfs mapping: the file pages collapse and a PMD maps them.
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x400000, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
load 0x100000000
madvise(0x100000000, 0x400000, MADV_COLLAPSE) = 0
dump smaps after
