# Growing makes holes: each faults a new zeroed page (fault-around maps
# no hole), read faults and write faults alike; a private mapping then
# sees the shared mapping's pages through fault-around.
window 0x100000000 0x140000000
file f 0x2000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x10000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = 0x100000000
mmap(0x100010000, 0x10000, PROT_READ, MAP_PRIVATE, 3, 0) = 0x100010000
load 0x100000000 0x10000
ftruncate(3, 0x9000) = 0
load 0x100000000 0x4000
store 0x100004000 0x2000 0x33
dump mid
load 0x100010000 0x10000
load 0x100000000 0x10000
dump end
ftruncate(3, 0) = 0
load 0x100000000 1
load 0x100010000 1
dump empty
