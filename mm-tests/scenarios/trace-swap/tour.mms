machine ram=64M swap=zram:1M cpus=2
# A tour of every panel of the step-through page (`mmsim run --html`):
# a file read through a shared mapping (page cache, fault-around), an
# anonymous mapping written, a fork and the child's copy-on-write, the
# child's anonymous pages paged out to swap and read back, then its exit.
window 0x100000000 0x101000000
file data 16384
openat(AT_FDCWD, "data", O_RDWR) = 3
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
load 0x100000000 16384
store 0x100001000 1 0x41
mmap(0x100010000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100010000
store 0x100010000 16384 0x11
fork
process 1
store 0x100010000 1 0x22
madvise(0x100010000, 16384, MADV_PAGEOUT) = 0
dump child after page-out
load 0x100011000 1
exit
process 0
dump parent
