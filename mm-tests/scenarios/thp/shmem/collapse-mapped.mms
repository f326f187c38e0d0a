# MADV_COLLAPSE where a PMD maps the block already, or the 2 MiB folio is mapped by 4 KiB entries after a partial munmap; a range in one block that reaches no block end is EINVAL.
machine tmpfs_huge=always
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
load 0x100000000
munmap(0x100300000, 0x1000) = 0
load 0x100200000
madvise(0x100000000, 0x300000, MADV_COLLAPSE) = 0
dump smaps
madvise(0x100000000, 0x1000, MADV_COLLAPSE) = 0
madvise(0x100001000, 0x1000, MADV_COLLAPSE) = -1 EINVAL (Invalid argument)
