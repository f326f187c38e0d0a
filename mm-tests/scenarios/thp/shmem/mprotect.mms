# tmpfs huge=always: mprotect of a whole PMD-mapped block keeps the PMD; of part of one drops it.
machine tmpfs_huge=always
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
store 0x100000000 1 1
store 0x100200000 1 2
mprotect(0x100000000, 0x200000, PROT_READ) = 0
mprotect(0x100300000, 0x1000, PROT_READ) = 0
dump smaps after mprotect
mprotect(0x100000000, 0x200000, PROT_READ|PROT_WRITE) = 0
store 0x100000000 1 3
load 0x100300000
dump smaps after writes
