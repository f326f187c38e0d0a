# mincore after mlock: every locked page is resident; after munlock and
# MADV_DONTNEED none is.  A MAP_POPULATE private file mapping is
# resident with or without entries (the file's pages stay cached), and
# MAP_LOCKED past the end of the file is not (and mmap still succeeds).
window 0xf0000000 0x140000000
file f 30000
openat(AT_FDCWD, "f", O_RDONLY) = 3
mmap(0x100000000, 32768, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mlock(0x100002000, 16384) = 0
mincore(0x100000000, 32768, VEC) = 0
munlock(0x100000000, 32768) = 0
madvise(0x100000000, 32768, MADV_DONTNEED) = 0
mincore(0x100000000, 32768, VEC) = 0
mmap(0x100010000, 49152, PROT_READ, MAP_PRIVATE|MAP_FIXED|MAP_LOCKED, 3, 0) = 0x100010000
mincore(0x100010000, 49152, VEC) = 0
dump file-locked
munlock(0x100010000, 49152) = 0
madvise(0x100010000, 49152, MADV_DONTNEED) = 0
mincore(0x100010000, 49152, VEC) = 0
dump file-dropped
mlockall(MCL_CURRENT) = 0
dump mlockall-past-eof
