# Reading a hole (after a punch or a grow) gives zeros and leaves the
# hole: a later fault allocates the page, and fault-around maps only the
# pages the cache has.
window 0x100000000 0x140000000
file f 0x8000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100010000, 0x4000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x100010000
fallocate(3, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, 0x2000, 0x3000) = 0
ftruncate(3, 0xa000) = 0
pread64(3, 0x100010000, 0x4000, 0x1000) = 16384
load 0x100010000 0x4000
mmap(0x100000000, 0xa000, PROT_READ, MAP_SHARED, 3, 0) = 0x100000000
load 0x100000000 1
dump first
load 0x100000000 0xa000
dump end
