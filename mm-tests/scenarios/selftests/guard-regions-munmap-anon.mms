# selftests/mm/guard-regions.c, TEST_F(guard_regions, munmap):
# munmap of guarded pages leaves no guard marker behind: mappings made
# over them again are usable.
# anon variant: private anonymous memory.
window 0x100000000 0x100100000
mmap(NULL, 0xa000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $p
madvise($p, 0x1000, MADV_GUARD_INSTALL) = 0
madvise($p+0x9000, 0x1000, MADV_GUARD_INSTALL) = 0
load $p
store $p 0x1 0x78
load $p+0x9000
store $p+0x9000 0x1 0x78
munmap($p, 0x1000) = 0
munmap($p+0x9000, 0x1000) = 0
mmap($p, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = $p
mmap($p+0x9000, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = $p+0x9000
load $p
store $p 0x1 0x78
load $p+0x9000
store $p+0x9000 0x1 0x78
dump remapped
munmap($p, 0xa000) = 0
