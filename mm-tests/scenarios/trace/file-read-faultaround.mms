# a read fault on a file maps the cached pages around it (fault-around);
# SIGBUS past the end of the file still maps the window
window 0x100000000 0x101000000
file f 40960
openat(AT_FDCWD, "f", O_RDONLY) = 3
mmap(0x100003000, 65536, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100003000
load 0x100005000 1
load 0x10000c000 1
load 0x100010000 1
dump
