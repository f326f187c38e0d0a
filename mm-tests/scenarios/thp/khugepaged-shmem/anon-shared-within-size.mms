# shmem_enabled=within_size: shared anonymous memory written in 4 KiB
# pages where no PMD could map it (a misaligned address), then moved to an
# aligned one, is collapsed without any advice: the block lies inside the
# size of its file.  (A THP fault in another region put the address space
# on khugepaged's list.)
machine thp_shmem_enabled=within_size
window 0x100000000 0x101000000
mmap(0x100001000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100001000
store 0x100001000 0x3000 5
store 0x100201000 1 6
mremap(0x100001000, 0x400000, 0x400000, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100600000) = 0x100600000
mmap(0x100c00000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100c00000
madvise(0x100c00000, 0x200000, MADV_HUGEPAGE) = 0
store 0x100c00000
dump smaps before
khugepaged
dump smaps after
load 0x100600000
load 0x100800000
dump smaps faulted
