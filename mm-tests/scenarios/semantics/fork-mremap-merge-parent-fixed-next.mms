# mm/vma.c: copy_vma -> vma_merge_copied_range sets vmg->copied_from, and
# is_mergeable_anon_vma refuses to dup the anon_vma of a fork child into an
# unfaulted neighbour.  After fork the parent moves a faulted VMA with
# MREMAP_FIXED before an unfaulted VMA.
# The parent's chain is a single link: it merges.
window 0x100000000 0x100100000
mmap(0x100010000, 12288, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100010000
store 0x100011000 1 0x11
mremap(0x100011000, 4096, 4096, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100020000) = 0x100020000
munmap(0x100010000, 12288) = 0
mmap(0x100012000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100012000
dump setup
fork
mremap(0x100020000, 4096, 4096, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100011000) = 0x100011000
dump moved
load 0x100010000 12288
store 0x100010000 12288 0x22
dump touched
process 1
dump child
