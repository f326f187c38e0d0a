# A size inside a page: the page stays mapped, its bytes past the new
# end are zeroed (in the cache; private copies keep theirs), the next
# page goes.  Growing again shows zeros there.
window 0x100000000 0x140000000
file f 0x4000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x4000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = 0x100000000
mmap(0x100010000, 0x4000, PROT_READ|PROT_WRITE, MAP_PRIVATE, 3, 0) = 0x100010000
store 0x100001800 1 0x77
store 0x100011800 1 0x66
load 0x100002000 1
ftruncate(3, 0x1234) = 0
dump cut
load 0x100001233 1
load 0x100001234 1
load 0x100001800 1
load 0x100011800 1
load 0x100012000 1
ftruncate(3, 0x4000) = 0
load 0x100001800 1
load 0x100002000 0x2000
load 0x100012000 1
dump grown
