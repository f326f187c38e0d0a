# A hole inside page 0 that reaches no page boundary: shmem_fallocate's
# unmap_end wraps to -1 and unmap_mapping_range takes every page from
# page 1 on (from page 0 for a hole at offset 0) out of every mapping,
# private copies aside; the cache keeps them, only the hole's bytes are
# zeroed.  The same hole in page 1 unmaps nothing.
window 0x100000000 0x140000000
file f 0x6000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x6000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = 0x100000000
mmap(0x100010000, 0x6000, PROT_READ|PROT_WRITE, MAP_PRIVATE, 3, 0) = 0x100010000
load 0x100000000 0x6000
load 0x100010000 0x3000
store 0x100013000 0x3000 0x21
fallocate(3, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, 0x1800, 0x10) = 0
dump page1
fallocate(3, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, 0x800, 0x10) = 0
dump page0
load 0x100000800 1
load 0x100000000 0x6000
load 0x100010000 0x6000
dump refaulted
fallocate(3, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, 0, 0x10) = 0
dump offset0
load 0x100000000 1
load 0x100001800 1
dump end
