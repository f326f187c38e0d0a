# mremap of a VM_LOCKED mapping: growing it in place populates the new
# part; moving it keeps VM_LOCKED (and the pages); MREMAP_DONTUNMAP
# leaves the source unlocked and empty.
window 0xf0000000 0x140000000
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_LOCKED, -1, 0) = 0x100000000
mremap(0x100000000, 16384, 32768, 0) = 0x100000000
dump grown
mremap(0x100000000, 32768, 49152, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100020000) = 0x100020000
dump moved-and-grown
mremap(0x100020000, 16384, 16384, MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP, 0x100010000) = 0x100010000
dump dontunmap
madvise(0x100020000, 16384, MADV_DONTNEED) = 0
dump source-unlocked
