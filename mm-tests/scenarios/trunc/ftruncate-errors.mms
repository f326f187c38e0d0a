# ftruncate's errors: a descriptor not open for writing, no descriptor,
# a negative length; the same size again changes nothing.
window 0x100000000 0x140000000
file f 0x3000
openat(AT_FDCWD, "f", O_RDONLY) = 3
openat(AT_FDCWD, "f", O_RDWR) = 4
openat(AT_FDCWD, "f", O_WRONLY) = 5
mmap(0x100000000, 0x3000, PROT_READ, MAP_SHARED, 3, 0) = 0x100000000
load 0x100000000 0x3000
ftruncate(3, 0x1000) = -1 EINVAL (Invalid argument)
ftruncate(9, 0x1000) = -1 EBADF (Bad file descriptor)
ftruncate(4, 0xffffffffffffffff) = -1 EINVAL (Invalid argument)
ftruncate(4, 0x8000000000000000) = -1 EINVAL (Invalid argument)
ftruncate(4, 0x3000) = 0
dump same
ftruncate(5, 0x2000) = 0
close(5) = 0
ftruncate(5, 0x1000) = -1 EBADF (Bad file descriptor)
dump cut
load 0x100000000 0x3000
