# Ported from LTP testcases/kernel/syscalls/ftruncate/ftruncate01.c.
# (the file is a tmpfs file with the format's byte pattern instead of 'a's;
# the size is seen as what read() returns, the lseek to 256 is the read
# position the first read leaves)
# ftruncate to 256 bytes: a read from 0 returns 256 bytes of the file;
# ftruncate to 512 grows it: the next 256 bytes read as zeros.
window 0x100000000 0x101000000
file testfile 1024
openat(AT_FDCWD, "testfile", O_RDWR) = 3
mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $buf
store $buf+0x100 1 0x2a
store $buf+0x1000 1 0x2a
store $buf+0x10ff 1 0x2a
store $buf+0x1100 1 0x2a
ftruncate(3, 256) = 0
read(3, $buf, 1024) = 256
load $buf+0x1
load $buf+0xff
load $buf+0x100
ftruncate(3, 512) = 0
read(3, $buf+0x1000, 1024) = 256
load $buf+0x1000
load $buf+0x10ff
load $buf+0x1100
read(3, $buf+0x1000, 1024) = 0
dump
