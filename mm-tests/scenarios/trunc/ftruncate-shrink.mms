# ftruncate to a smaller size: the pages past the new end leave every
# mapping (the private copies too), accesses there get SIGBUS; the pages
# before it stay, private copies included.
window 0x100000000 0x140000000
file f 0x8000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x8000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = 0x100000000
mmap(0x100010000, 0x8000, PROT_READ|PROT_WRITE, MAP_PRIVATE, 3, 0) = 0x100010000
mmap(0x100020000, 0x8000, PROT_READ, MAP_PRIVATE, 3, 0) = 0x100020000
load 0x100000000 0x8000
store 0x100010000 0x8000 0x11
load 0x100020000 0x8000
dump before
ftruncate(3, 0x3000) = 0
dump after
load 0x100000000 0x8000
load 0x100010000 0x8000
load 0x100020000 0x8000
store 0x100002fff 1 0x22
load 0x100002fff 1
store 0x100003000 1 0x22
store 0x100013000 1 0x22
load 0x100012000 1
dump end
