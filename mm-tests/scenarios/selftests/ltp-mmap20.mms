# Ported from LTP testcases/kernel/syscalls/mmap/mmap20.c.
# MAP_SHARED_VALIDATE with an unknown flag bit (1 << 10): EOPNOTSUPP, and
# nothing is mapped; the same without the bit maps the file.
window 0x100000000 0x101000000
file file_to_mmap 1024
openat(AT_FDCWD, "file_to_mmap", O_RDWR) = 3
mmap(NULL, 1024, PROT_READ|PROT_WRITE, MAP_SHARED_VALIDATE|0x400, 3, 0) = -1 EOPNOTSUPP (Operation not supported)
mmap(NULL, 1024, PROT_READ|PROT_WRITE, MAP_SHARED_VALIDATE, 3, 0) = $a
load $a
dump
