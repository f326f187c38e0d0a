# Ported from LTP testcases/kernel/syscalls/mmap/mmap03.c.
# PROT_EXEC|PROT_READ private file mapping: it reads the file.
window 0x100000000 0x101000000
file data 12288
openat(AT_FDCWD, "data", O_RDONLY) = 3
mmap(0x100000000, 12288, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
load 0x100000000 12288
load 0x100001011
dump
