# MADV_FREE on a read-only anon VMA (pages written before mprotect RO): accepted,
# pages stay; MADV_PAGEOUT then discards them (clean lazyfree). PROT_NONE too.
window 0x100000000 0x140000000
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 16384 0x11
mprotect(0x100000000, 8192, PROT_READ) = 0
mprotect(0x100002000, 8192, PROT_NONE) = 0
madvise(0x100000000, 16384, MADV_FREE) = 0
dump freed
madvise(0x100000000, 16384, MADV_PAGEOUT) = 0
dump paged-out
mprotect(0x100000000, 16384, PROT_READ|PROT_WRITE) = 0
load 0x100000000 16384
dump reloaded
