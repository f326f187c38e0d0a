# mincore prints one digit per page: anonymous pages count when mapped
# (the zero page and PROT_NONE entries too); file pages count when the
# page cache has them, mapped or not (every page of a file is cached
# here; pages past the end are not).  An unaligned start is EINVAL, a
# hole ENOMEM, a length is rounded up to pages, a zero length prints
# nothing.
window 0xf0000000 0x140000000
file f 20000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 32768, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mincore(0x100000000, 32768, VEC) = 0
store 0x100001000 4096
load 0x100004000 8192
mincore(0x100000000, 32768, VEC) = 0
mprotect(0x100000000, 8192, PROT_NONE) = 0
mincore(0x100000000, 8193, VEC) = 0
mincore(0x100000000, 0, VEC) = 0
mincore(0x100000800, 4096, VEC) = -1 EINVAL (Invalid argument)
mincore(0x100000000, 36864, VEC) = -1 ENOMEM (Cannot allocate memory)
mincore(0x100010000, 4096, VEC) = -1 ENOMEM (Cannot allocate memory)
mmap(0x100010000, 32768, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100010000
mincore(0x100010000, 32768, VEC) = 0
mmap(0x100018000, 16384, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 4096) = 0x100018000
mincore(0x100010000, 49152, VEC) = 0
madvise(0x100000000, 32768, MADV_DONTNEED) = 0
mincore(0x100000000, 32768, VEC) = 0
mincore(0x800000000000, 4096, VEC) = -1 ENOMEM (Cannot allocate memory)
dump end
