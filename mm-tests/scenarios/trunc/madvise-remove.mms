# MADV_REMOVE punches a hole in the file behind a shared writable mapping
# (with another mapping of the file seeing it too); private mappings get
# EACCES, anonymous ones EINVAL, a shared mapping of a read-only
# descriptor EACCES; holes in the range give ENOMEM after the rest.
window 0x100000000 0x140000000
file f 0x8000
openat(AT_FDCWD, "f", O_RDWR) = 3
openat(AT_FDCWD, "f", O_RDONLY) = 4
mmap(0x100000000, 0x8000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = 0x100000000
mmap(0x100010000, 0x8000, PROT_READ|PROT_WRITE, MAP_PRIVATE, 3, 0) = 0x100010000
mmap(0x100020000, 0x8000, PROT_READ, MAP_SHARED, 4, 0) = 0x100020000
mmap(0x100030000, 0x4000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x100030000
mmap(0x100040000, 0x4000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0) = 0x100040000
load 0x100000000 0x8000
store 0x100010000 0x2000 0x66
load 0x100012000 0x6000
load 0x100020000 0x8000
store 0x100030000 0x4000
store 0x100040000 0x4000 0x44
madvise(0x100010000, 0x1000, MADV_REMOVE) = -1 EACCES (Permission denied)
madvise(0x100020000, 0x1000, MADV_REMOVE) = -1 EACCES (Permission denied)
madvise(0x100030000, 0x1000, MADV_REMOVE) = -1 EINVAL (Invalid argument)
madvise(0x100001000, 0x1001, MADV_REMOVE) = 0
dump removed
load 0x100000000 0x8000
load 0x100010000 0x8000
load 0x100020000 0x8000
madvise(0x100041000, 0x2000, MADV_REMOVE) = 0
dump anon-removed
load 0x100040000 0x4000
madvise(0x100006000, 0x4000, MADV_REMOVE) = -1 ENOMEM (Cannot allocate memory)
madvise(0x100040000, 0x0, MADV_REMOVE) = 0
madvise(0x100050000, 0x1000, MADV_REMOVE) = -1 ENOMEM (Cannot allocate memory)
madvise(0x100000001, 0x1000, MADV_REMOVE) = -1 EINVAL (Invalid argument)
dump end
load 0x100000000 0x8000
