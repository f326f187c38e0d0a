# fallocate's modes on tmpfs: only allocation (0, FALLOC_FL_KEEP_SIZE) and
# PUNCH_HOLE|KEEP_SIZE are taken; the checks come in the kernel's order.
# Allocated pages are not up to date: fault-around does not map them.
window 0x100000000 0x140000000
file f 0x2000
openat(AT_FDCWD, "f", O_RDWR) = 3
openat(AT_FDCWD, "f", O_RDONLY) = 4
fallocate(3, FALLOC_FL_PUNCH_HOLE, 0, 0x1000) = -1 EOPNOTSUPP (Operation not supported)
fallocate(3, FALLOC_FL_ZERO_RANGE, 0, 0x1000) = -1 EOPNOTSUPP (Operation not supported)
fallocate(3, FALLOC_FL_COLLAPSE_RANGE, 0, 0x1000) = -1 EOPNOTSUPP (Operation not supported)
fallocate(3, FALLOC_FL_COLLAPSE_RANGE|FALLOC_FL_KEEP_SIZE, 0, 0x1000) = -1 EOPNOTSUPP (Operation not supported)
fallocate(3, FALLOC_FL_INSERT_RANGE, 0, 0x1000) = -1 EOPNOTSUPP (Operation not supported)
fallocate(3, FALLOC_FL_UNSHARE_RANGE, 0, 0x1000) = -1 EOPNOTSUPP (Operation not supported)
fallocate(3, 0x100, 0, 0x1000) = -1 EOPNOTSUPP (Operation not supported)
fallocate(3, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, 0, 0) = -1 EINVAL (Invalid argument)
fallocate(3, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, 0xffffffffffffffff, 0x1000) = -1 EINVAL (Invalid argument)
fallocate(3, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, 0, 0xffffffffffffffff) = -1 EINVAL (Invalid argument)
fallocate(3, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, 0x7fffffffffff0000, 0x10000000) = -1 EFBIG (File too large)
fallocate(4, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, 0, 0x1000) = -1 EBADF (Bad file descriptor)
fallocate(4, FALLOC_FL_ZERO_RANGE, 0, 0x1000) = -1 EBADF (Bad file descriptor)
fallocate(4, 0x100, 0, 0x1000) = -1 EOPNOTSUPP (Operation not supported)
fallocate(7, 0, 0, 0x1000) = -1 EBADF (Bad file descriptor)
fallocate(3, 0, 0x3000, 0x2000) = 0
fallocate(3, FALLOC_FL_KEEP_SIZE, 0x6000, 0x2000) = 0
mmap(0x100000000, 0x8000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = 0x100000000
load 0x100000000 0x8000
dump alloc
ftruncate(3, 0x8000) = 0
load 0x100005000 0x3000
dump grown
