# Ported from LTP testcases/kernel/syscalls/fallocate/fallocate06.c (the cases without a full
# filesystem; tmpfs has no copy-on-write switch).
# (block size 4096; the written blocks hold 0x11.. in their first byte and
# 0x21.. at byte 512; the seek before the second write is pwrite64's offset)
# 8 blocks written; fallocate of 2 blocks 512 bytes past the end (not
# block aligned), a write into that space; then PUNCH_HOLE|KEEP_SIZE of 3
# blocks at offset 512: the punched bytes read zero, those before and after
# keep their data.
window 0x100000000 0x101000000
file test_file 0
openat(AT_FDCWD, "test_file", O_RDWR) = 3
mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $w
store $w 32768 0x11
store $w+0x200 1 0x21
store $w+0x1200 1 0x22
store $w+0x2200 1 0x23
store $w+0x3200 1 0x24
write(3, $w, 32768) = 32768
fallocate(3, 0, 33280, 8192) = 0
pwrite64(3, $w, 8192, 33280) = 8192
fallocate(3, FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, 512, 12288) = 0
pread64(3, $w+0x8000, 16384, 0) = 16384
load $w+0x8000
load $w+0x81ff
load $w+0x8200
load $w+0x9200
load $w+0xa200
load $w+0xb1ff
load $w+0xb200
mmap(NULL, 45056, PROT_READ, MAP_SHARED, 3, 0) = $m
mincore($m, 45056, vec) = 0
load $m 45056
load $m+0x8200
load $m+0xa1ff
load $m+0xa200
dump
