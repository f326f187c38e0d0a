# Ported from LTP testcases/kernel/syscalls/madvise/madvise02.c.
# madvise errors: EINVAL for an unaligned address, MADV_DONTNEED of a
# mapping made with MADV_... on an unmapped range ENOMEM, MADV_WILLNEED of
# anonymous memory succeeds (MADV_WILLNEED on a hole: ENOMEM).
window 0x100000000 0x101000000
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000001, 4096, MADV_NORMAL) = -1 EINVAL (Invalid argument)
madvise(0x100000000, 16384, MADV_NORMAL) = -1 ENOMEM (Cannot allocate memory)
madvise(0x100010000, 4096, MADV_WILLNEED) = -1 ENOMEM (Cannot allocate memory)
madvise(0x100000000, 8192, MADV_WILLNEED) = 0
madvise(0x100000000, 0, MADV_DONTNEED) = 0
dump
