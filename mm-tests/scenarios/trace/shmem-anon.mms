# shared anonymous memory is a shmem file: a read fault allocates a zeroed
# page (no zero page), fault-around maps only pages that already exist
window 0x100000000 0x101000000
mmap(0x100000000, 32768, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
load 0x100000000 1
store 0x100002000 1 0x31
munmap(0x100000000, 32768) = 0
mmap(0x100000000, 32768, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100003000 1 0x32
load 0x100000000 16384
dump
