# File mappings at kernel-chosen addresses: fault-around windows are
# aligned to 16 pages, so both runners put them at the same alignment.
window 0x100000000 0x140000000
file data 0x40000
openat(AT_FDCWD, "data", O_RDWR) = 3
mmap(NULL, 0x13000, PROT_READ, MAP_SHARED, 3, 0) = $f
load $f+0x5000
mmap(NULL, 0x20000, PROT_READ|PROT_WRITE, MAP_PRIVATE, 3, 0x10000) = $p
load $p+0x1f000
store $p+0x3000
dump faulted
mmap(NULL, 0x3000, PROT_READ, MAP_SHARED, 3, 0x13000) = $g
load $g 0x3000
load $f+0x13000
dump next to each other
close(3) = 0
