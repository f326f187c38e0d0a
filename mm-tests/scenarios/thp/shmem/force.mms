# shmem_enabled=force: 2 MiB folios on a tmpfs without huge= (a 64 KiB file too) and for shared memory.
machine thp_shmem_enabled=force
window 0x100000000 0x101000000
file f 0x10000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
mmap(0x100200000, 0x200000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100200000
load 0x100000000
store 0x100200000 1 1
dump smaps
