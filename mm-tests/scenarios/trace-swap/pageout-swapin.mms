machine swap=zram:1M
# MADV_PAGEOUT reclaims at once: anonymous pages go to swap through the
# swap cache (add_to_swap, try_to_unmap, swap_writepage), a shmem page in
# place of its page-cache entry (shmem_writeout).  The next faults read
# them back: do_swap_page with cluster readahead, shmem_swapin_folio.
window 0x100000000 0x101000000
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 8192 0x11
mmap(0x100010000, 4096, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100010000
store 0x100010000 1 0x22
madvise(0x100000000, 8192, MADV_PAGEOUT) = 0
madvise(0x100010000, 4096, MADV_PAGEOUT) = 0
dump
load 0x100000000 1
store 0x100001000 1 0x33
load 0x100010000 1
dump
