# Descriptors: read needs FMODE_READ, write FMODE_WRITE (EBADF); a closed
# or unknown descriptor is EBADF; descriptors have positions of their own.
window 0x100000000 0x140000000
file f 0x3000
openat(AT_FDCWD, "f", O_RDONLY) = 3
openat(AT_FDCWD, "f", O_WRONLY) = 4
openat(AT_FDCWD, "f", O_RDWR) = 5
mmap(0x100000000, 0x4000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x100000000
write(3, 0x100000000, 0x10) = -1 EBADF (Bad file descriptor)
pwrite64(3, 0x100000000, 0x10, 0) = -1 EBADF (Bad file descriptor)
read(4, 0x100000000, 0x10) = -1 EBADF (Bad file descriptor)
pread64(4, 0x100000000, 0x10, 0) = -1 EBADF (Bad file descriptor)
read(9, 0x100000000, 0x10) = -1 EBADF (Bad file descriptor)
write(-1, 0x100000000, 0x10) = -1 EBADF (Bad file descriptor)
read(3, 0x100000000, 0x1800) = 6144
read(5, 0x100002000, 0x800) = 2048
write(4, 0x100002000, 0x800) = 2048
read(3, 0x100003000, 0x1000) = 4096
load 0x100003000 1
read(5, 0x100003000, 0x1000) = 4096
load 0x100003000 1
close(5) = 0
read(5, 0x100000000, 0x10) = -1 EBADF (Bad file descriptor)
dump end
