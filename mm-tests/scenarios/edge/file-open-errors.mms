# openat, close and mmap argument errors on files
window 0x100000000 0x101000000
file f 16384
openat(AT_FDCWD, "nope", O_RDONLY) = -1 ENOENT (No such file or directory)
openat(AT_FDCWD, "/some/dir/f", O_RDONLY) = 3
openat(AT_FDCWD, "f", O_WRONLY) = 4
openat(AT_FDCWD, "f", O_RDWR|O_CLOEXEC) = 5
close(9) = -1 EBADF (Bad file descriptor)
mmap(0x100000000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED, 4, 0) = -1 EACCES (Permission denied)
mmap(0x100000000, 4096, PROT_READ, MAP_SHARED|MAP_FIXED, 4, 0) = -1 EACCES (Permission denied)
mmap(0x100000000, 4096, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = -1 EACCES (Permission denied)
mmap(0x100000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
mmap(0x100001000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED, 9, 0) = -1 EBADF (Bad file descriptor)
mmap(0x100001000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED, 5, 0x800) = -1 EINVAL (Invalid argument)
mmap(0x100001000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED|MAP_GROWSDOWN, 5, 0) = -1 EINVAL (Invalid argument)
mmap(0x100001000, 0, PROT_READ, MAP_PRIVATE|MAP_FIXED, 5, 0) = -1 EINVAL (Invalid argument)
mmap(0x100001000, 4096, PROT_READ|PROT_EXEC, MAP_SHARED|MAP_FIXED, 5, 0x1000) = 0x100001000
close(5) = 0
openat(AT_FDCWD, "f", O_RDONLY) = 5
close(3) = 0
close(3) = -1 EBADF (Bad file descriptor)
openat(AT_FDCWD, "f", O_RDONLY) = 3
load 0x100000000 8192
dump
