# A never-faulted anonymous VMA moved by mremap next to another merges
# with it (no anon_vma: its offset follows the new address), so
# MADV_HUGEPAGE and reads map one huge zero PMD per block across both.
window 0x100000000 0x101000000
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)
mmap(0x100800000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)
mremap(0x100800000, 0x200000, 0x200000, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100200000)
madvise(0x100000000, 0x400000, MADV_HUGEPAGE)
load 0x100000000 0x400000
dump
