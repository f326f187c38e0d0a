# FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE: the whole pages of the hole
# leave the shared mappings and the cache; the private copies stay; the
# bytes of the pages it cuts in part are zeroed; reads see zeros.
window 0x100000000 0x140000000
file f 0x8000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x8000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = 0x100000000
mmap(0x100010000, 0x8000, PROT_READ|PROT_WRITE, MAP_PRIVATE, 3, 0) = 0x100010000
mmap(0x100020000, 0x8000, PROT_READ, MAP_PRIVATE, 3, 0) = 0x100020000
load 0x100000000 0x8000
store 0x100010000 0x4000 0x55
load 0x100014000 0x4000
load 0x100020000 0x8000
fallocate(3, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, 0x800, 0x4000) = 0
dump punched
load 0x100000000 0x8000
load 0x1000007ff 1
load 0x100000800 1
load 0x100004800 1
load 0x100010000 0x8000
load 0x100020000 0x8000
dump refaulted
fallocate(3, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, 0x7000, 0x10000) = 0
fallocate(3, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, 0x20000, 0x1000) = 0
load 0x100007000 1
dump end
