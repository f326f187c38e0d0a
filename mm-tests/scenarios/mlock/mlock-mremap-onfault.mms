# mremap of a VM_LOCKED|VM_LOCKONFAULT mapping (mlock2 MLOCK_ONFAULT):
# growing it in place or while moving it populates nothing (the new part
# is locked on fault too: only what is touched comes in, and counts as
# Locked); a plain VM_LOCKED neighbour that the grown part meets does not
# merge with it; MREMAP_DONTUNMAP leaves the source unlocked.
window 0xf0000000 0x140000000
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000
mlock2(0x100000000, 16384, MLOCK_ONFAULT) = 0
mremap(0x100000000, 16384, 32768, 0) = 0x100000000
dump smaps grown
store 0x100006000
dump smaps touched
mmap(0x100010000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_LOCKED, -1, 0) = 0x100010000
mremap(0x100000000, 32768, 65536, 0) = 0x100000000
dump smaps met-locked
mremap(0x100000000, 32768, 49152, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100020000) = 0x100020000
dump smaps moved-and-grown
mremap(0x100020000, 16384, 16384, MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP, 0x100040000) = 0x100040000
dump smaps dontunmap
madvise(0x100020000, 16384, MADV_DONTNEED) = 0
store 0x100020000
dump smaps source-unlocked
