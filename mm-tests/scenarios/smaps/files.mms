# smaps of file mappings on tmpfs: page-cache pages, shared between a
# shared and a private mapping, COW copies anonymous.
window 0x100000000 0x140000000
file data 0x20000
openat(AT_FDCWD, "data", O_RDWR) = 3
mmap(0x100000000, 0x20000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = 0x100000000
mmap(0x100100000, 0x20000, PROT_READ|PROT_WRITE, MAP_PRIVATE, 3, 0) = 0x100100000
load 0x100000000
dump smaps one shared read
load 0x100100000
store 0x100101000
store 0x100003000
dump smaps cow and shared write
fork
dump smaps forked
process 1
store 0x100100000
load 0x100110000
dump smaps child
madvise(0x100100000, 0x20000, MADV_DONTNEED) = 0
munmap(0x100000000, 0x10000) = 0
dump smaps child after dontneed
