# read/write/pread64/pwrite64 with a mapped buffer: the buffer's pages
# fault in kernel mode (copy_to_user writes, copy_from_user reads), the
# file position advances for read/write only, reads stop at the end.
window 0x100000000 0x140000000
file f 0x5000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x8000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x100000000
read(3, 0x100000000, 0x2000) = 8192
dump r1
load 0x100000000 0x2000
read(3, 0x100002800, 0x2000) = 8192
load 0x100002800 0x3000
read(3, 0x100005000, 0x2000) = 4096
read(3, 0x100005000, 0x2000) = 0
pread64(3, 0x100006000, 0x1000, 0x10) = 4096
load 0x100006000 1
pread64(3, 0x100006000, 0x1000, 0x4800) = 2048
pread64(3, 0x100006000, 0x1000, 0x5000) = 0
pread64(3, 0x100006000, 0x1000, 0x9000) = 0
dump r2
write(3, 0x100000000, 0x100) = 256
pwrite64(3, 0x100007000, 0x1000, 0x1000) = 4096
pread64(3, 0x100006000, 0x1000, 0x1000) = 4096
load 0x100006000 1
read(3, 0x100006000, 0x1000) = 0
load 0x100006000 1
dump w
