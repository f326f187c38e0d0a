# mprotect of the middle page splits a VMA in three; restoring it merges
# them back (vma_merge_existing_range).
window 0x100000000 0x140000000
mmap(0x100000000, 12288, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mprotect(0x100001000, 4096, PROT_READ) = 0
dump split
mprotect(0x100001000, 4096, PROT_READ|PROT_WRITE) = 0
dump merged
