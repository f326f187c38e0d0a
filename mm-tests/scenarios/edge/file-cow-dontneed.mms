# a private file page written, dropped with MADV_DONTNEED, reread from the file
window 0x100000000 0x101000000
file f 65536
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
load 0x100000000 1
store 0x100001000 3 0x77
store 0x100002000 1 0x78
load 0x100000000 16384
dump written
madvise(0x100001000, 4096, MADV_DONTNEED) = 0
dump dropped
load 0x100000000 16384
madvise(0x100000000, 65536, MADV_DONTNEED) = 0
load 0x100003000 1
dump
mprotect(0x100004000, 4096, PROT_READ) = 0
store 0x100004000 1
mprotect(0x100004000, 4096, PROT_READ|PROT_WRITE) = 0
store 0x100004000 1
dump
