# read and write go through the page cache the shared mappings map:
# writes show in the mappings at once, stores through a mapping show in
# reads; a private mapping's copies do not.
window 0x100000000 0x140000000
file f 0x4000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x4000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = 0x100000000
mmap(0x100010000, 0x4000, PROT_READ|PROT_WRITE, MAP_PRIVATE, 3, 0) = 0x100010000
mmap(0x100020000, 0x4000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x100020000
store 0x100020000 0x4000 0x99
store 0x100011000 1 0x12
pwrite64(3, 0x100020000, 0x2000, 0x1000) = 8192
dump written
load 0x100000000 0x4000
load 0x100010000 0x4000
store 0x100003000 1 0x34
pread64(3, 0x100020000, 0x1000, 0x3000) = 4096
load 0x100020000 1
dump end
