# Ported from LTP testcases/kernel/syscalls/fallocate/fallocate01.c, with the addresses the kernel
# chooses named.
# (tmpfs files, block size 4096; the blocks written hold 'A' in their first
# byte only; the one-byte writes at random() % 4096 past the old end (1383,
# then 966: glibc's first two random() values) are pwrite64 from that
# buffer, where the test seeks)
# fallocate of one block at the end of a 12-block file: mode 0 grows the
# file by the block, FALLOC_FL_KEEP_SIZE does not; a byte written inside
# the block then lands in the allocated page (with KEEP_SIZE the write
# grows the file to it). Mappings of the files show sizes and bytes.
window 0x100000000 0x101000000
file tfile_mode1 0
file tfile_mode2 0
openat(AT_FDCWD, "tfile_mode1", O_RDWR|O_CREAT) = 3
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
openat(AT_FDCWD, "tfile_mode2", O_RDWR|O_CREAT) = 4
write(4, $buf, 4096) = 4096
write(4, $buf, 4096) = 4096
write(4, $buf, 4096) = 4096
write(4, $buf, 4096) = 4096
write(4, $buf, 4096) = 4096
write(4, $buf, 4096) = 4096
write(4, $buf, 4096) = 4096
write(4, $buf, 4096) = 4096
write(4, $buf, 4096) = 4096
write(4, $buf, 4096) = 4096
write(4, $buf, 4096) = 4096
write(4, $buf, 4096) = 4096
fallocate(3, 0, 49152, 4096) = 0
pwrite64(3, $buf, 1, 50535) = 1
fallocate(4, FALLOC_FL_KEEP_SIZE, 49152, 4096) = 0
pwrite64(4, $buf, 1, 50118) = 1
mmap(NULL, 57344, PROT_READ, MAP_SHARED, 3, 0) = $m1
mmap(NULL, 57344, PROT_READ, MAP_SHARED, 4, 0) = $m2
load $m1 53248
load $m1+0xc567
load $m1+0xcfff
load $m1+0xd000
load $m2 53248
load $m2+0xc3c6
load $m2+0xc3c7
dump
