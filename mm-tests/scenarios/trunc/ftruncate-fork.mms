# Truncation reaches every process that maps the file: the child's
# inherited mappings and the parent's private copies alike.
window 0x100000000 0x140000000
file f 0x6000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x6000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = 0x100000000
mmap(0x100010000, 0x6000, PROT_READ|PROT_WRITE, MAP_PRIVATE, 3, 0) = 0x100010000
store 0x100000000 0x6000 0x41
store 0x100010000 0x6000 0x42
fork
process 1
load 0x100000000 0x6000
load 0x100010000 0x6000
store 0x100013000 0x3000 0x43
dump child
ftruncate(3, 0x2000) = 0
dump child-cut
process 0
dump parent-cut
load 0x100010000 0x6000
load 0x100000000 0x6000
process 1
load 0x100010000 0x6000
exit
dump parent
