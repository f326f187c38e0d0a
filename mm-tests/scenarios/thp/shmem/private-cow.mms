# tmpfs huge=always, MAP_PRIVATE: a read fault maps the 2 MiB folio read-only with a PMD; a write then drops the PMD and copies one page; later reads fault 4 KiB pages in again.
machine tmpfs_huge=always
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDONLY) = 3
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
load 0x100000000
load 0x100200000
dump smaps read
store 0x100001000 1 0x77
dump smaps after write
load 0x100000000 0x3000
load 0x100100000
dump smaps after reads
