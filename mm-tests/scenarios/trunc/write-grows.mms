# Writing past the end grows the file: the pages become mappable (no
# SIGBUS), the gap before the bytes written is a hole of zeros.
window 0x100000000 0x140000000
file f 0x1000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x8000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = 0x100000000
mmap(0x100010000, 0x4000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x100010000
store 0x100010000 0x4000 0x77
load 0x100000000 0x8000
pwrite64(3, 0x100010000, 0x1000, 0x4800) = 4096
load 0x100000000 0x8000
dump grown
write(3, 0x100010000, 0x800) = 2048
read(3, 0x100010000, 0x4000) = 16384
pread64(3, 0x100011000, 0x3000, 0x1000) = 12288
load 0x100011000 0x3000
write(3, 0x100010000, 0x800) = 2048
load 0x100000000 0x8000
dump end
