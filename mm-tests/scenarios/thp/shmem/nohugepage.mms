# tmpfs huge=always: in a MADV_NOHUGEPAGE mapping the 2 MiB folio is mapped by 4 KiB entries (no PMD).
machine tmpfs_huge=always
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x200000, MADV_NOHUGEPAGE) = 0
load 0x100000000
store 0x100200000 1 5
dump smaps
