# tmpfs huge=always: a write fault in a MAP_SHARED mapping maps the 2 MiB folio writable with a PMD; other writes to the block do not fault.
machine tmpfs_huge=always
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
store 0x100000000 1 0x11
store 0x100100000 1 0x22
load 0x100200000
store 0x100300000 1 0x33
dump smaps
load 0x100000000 0x101000
