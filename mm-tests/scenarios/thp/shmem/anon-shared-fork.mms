# shmem_enabled=always: after fork the child has no entry for the shared memory's PMD and faults its own; both see each other's stores.
machine thp_shmem_enabled=always
window 0x100000000 0x101000000
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 1 0x31
fork
process 1
dump smaps child
store 0x100001000 1 0x32
load 0x100000000 0x2000
dump smaps child after
process 0
load 0x100000000 0x2000
munmap(0x100100000, 0x1000) = 0
dump smaps parent
