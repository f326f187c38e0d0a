# Ported from LTP testcases/kernel/syscalls/fallocate/fallocate03.c.
# (on tmpfs, whose block size is the page size; the blocks written hold
# 'A' in their first byte only; the second run of blocks is written with
# pwrite64 where the test seeks)
# A sparse file of 12 written blocks, a hole of 12 blocks and 12 more
# written blocks: fallocate with mode 0 and with FALLOC_FL_KEEP_SIZE at
# offsets in the first blocks, in the hole and past the end. Mode 0 past
# the end grows the file, KEEP_SIZE does not; allocated pages read zeros,
# the written ones keep their data (a shared mapping reads the file; the
# access past its end is SIGBUS).
window 0x100000000 0x101000000
file tfile_sparse 0
openat(AT_FDCWD, "tfile_sparse", O_RDWR) = 3
mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $buf
store $buf 1 0x41
write(3, $buf, 4096) = 4096
write(3, $buf, 4096) = 4096
write(3, $buf, 4096) = 4096
write(3, $buf, 4096) = 4096
write(3, $buf, 4096) = 4096
write(3, $buf, 4096) = 4096
write(3, $buf, 4096) = 4096
write(3, $buf, 4096) = 4096
write(3, $buf, 4096) = 4096
write(3, $buf, 4096) = 4096
write(3, $buf, 4096) = 4096
write(3, $buf, 4096) = 4096
pwrite64(3, $buf, 4096, 98304) = 4096
pwrite64(3, $buf, 4096, 102400) = 4096
pwrite64(3, $buf, 4096, 106496) = 4096
pwrite64(3, $buf, 4096, 110592) = 4096
pwrite64(3, $buf, 4096, 114688) = 4096
pwrite64(3, $buf, 4096, 118784) = 4096
pwrite64(3, $buf, 4096, 122880) = 4096
pwrite64(3, $buf, 4096, 126976) = 4096
pwrite64(3, $buf, 4096, 131072) = 4096
pwrite64(3, $buf, 4096, 135168) = 4096
pwrite64(3, $buf, 4096, 139264) = 4096
pwrite64(3, $buf, 4096, 143360) = 4096
fallocate(3, 0, 8192, 4096) = 0
fallocate(3, 0, 49152, 4096) = 0
fallocate(3, 0, 69632, 4096) = 0
fallocate(3, 0, 102400, 4096) = 0
fallocate(3, FALLOC_FL_KEEP_SIZE, 8192, 4096) = 0
fallocate(3, FALLOC_FL_KEEP_SIZE, 49152, 4096) = 0
fallocate(3, FALLOC_FL_KEEP_SIZE, 77824, 4096) = 0
fallocate(3, FALLOC_FL_KEEP_SIZE, 106496, 4096) = 0
mmap(NULL, 163840, PROT_READ, MAP_SHARED, 3, 0) = $m
mincore($m, 163840, vec) = 0
load $m 147456
load $m 163840
dump
