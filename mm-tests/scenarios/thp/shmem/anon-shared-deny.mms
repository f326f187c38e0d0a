# shmem_enabled=deny: no huge pages for shared memory, nor on a tmpfs mounted huge=always.
machine thp_shmem_enabled=deny tmpfs_huge=always
window 0x100000000 0x101000000
file f 0x200000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
mmap(0x100200000, 0x200000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100200000
load 0x100000000
store 0x100200000 1 1
dump smaps
