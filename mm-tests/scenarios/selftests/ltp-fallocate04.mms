# Ported from LTP testcases/kernel/syscalls/fallocate/fallocate04.c.
# (on tmpfs: block size 4096; each block written holds 'a', 'b', 'c' in its
# first byte only; allocated sizes (st_blocks) and SEEK_HOLE are not
# expressible)
# test01: fallocate 3 blocks, then write them; test02: PUNCH_HOLE|KEEP_SIZE
# of the middle block reads it back as zeros; test03-05: ZERO_RANGE,
# COLLAPSE_RANGE and INSERT_RANGE, which tmpfs does not take: EOPNOTSUPP,
# the file unchanged. A shared mapping sees the same data.
window 0x100000000 0x101000000
file fallocate.txt 0
openat(AT_FDCWD, "fallocate.txt", O_RDWR) = 3
mmap(NULL, 24576, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $buf
store $buf 1 0x61
store $buf+0x1000 1 0x62
store $buf+0x2000 1 0x63
fallocate(3, 0, 0, 12288) = 0
write(3, $buf, 12288) = 12288
mmap(NULL, 12288, PROT_READ, MAP_SHARED, 3, 0) = $m
load $m 12288
fallocate(3, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, 4096, 4096) = 0
dump punched
pread64(3, $buf+0x3000, 12288, 0) = 12288
load $buf+0x3000 12288
load $m 12288
fallocate(3, FALLOC_FL_ZERO_RANGE, 4095, 4098) = -1 EOPNOTSUPP (Operation not supported)
fallocate(3, FALLOC_FL_COLLAPSE_RANGE, 4096, 4096) = -1 EOPNOTSUPP (Operation not supported)
fallocate(3, FALLOC_FL_INSERT_RANGE, 4096, 4096) = -1 EOPNOTSUPP (Operation not supported)
load $m 12288
dump
