# selftests/mm/guard-regions.c, split_merge: guard pages neither split
# nor merge VMAs; munmap of a guarded page splits as any munmap does,
# and remapping it merges again.
window 0x100000000 0x100100000
mmap(0x100000000, 0xa000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100000000, 0xa000, MADV_GUARD_INSTALL) = 0
dump guarded
munmap(0x100002000, 0x1000) = 0
dump split
mmap(0x100002000, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100002000
load 0x100002000
load 0x100003000
madvise(0x100000000, 0xa000, MADV_GUARD_REMOVE) = 0
load 0x100000000 0xa000
dump remapped
