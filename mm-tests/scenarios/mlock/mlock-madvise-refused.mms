# Locked pages stay: MADV_DONTNEED, MADV_FREE and MADV_PAGEOUT of a
# VM_LOCKED VMA are EINVAL and change nothing; after munlock they work.
# (A range past the mapping is ENOMEM once the mapped part is done.)
window 0xf0000000 0x140000000
mmap(0x100000000, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mlock(0x100000000, 32768) = 0
madvise(0x100000000, 16384, MADV_DONTNEED) = -1 EINVAL (Invalid argument)
madvise(0x100000000, 16384, MADV_FREE) = -1 EINVAL (Invalid argument)
madvise(0x100000000, 16384, MADV_PAGEOUT) = -1 EINVAL (Invalid argument)
madvise(0x100008000, 65536, MADV_DONTNEED) = -1 ENOMEM (Cannot allocate memory)
dump refused
munlock(0x100000000, 32768) = 0
madvise(0x100000000, 16384, MADV_DONTNEED) = 0
dump after-munlock
