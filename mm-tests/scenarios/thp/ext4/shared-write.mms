# files_on=ext4: a shared MADV_HUGEPAGE mapping is mapped by a PMD on a read; a write drops the leaf (write notification works on PTEs) and maps the page writable.
machine files_on=ext4 read_ahead_kb=8192
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 0x400000, MADV_HUGEPAGE) = 0
load 0x100000000
dump smaps read
store 0x100003000 1 7
dump smaps written
load 0x100100000
load 0x100003000
dump smaps
