# MADV_COLLAPSE of shared memory with a block never touched: the first block collapses, the empty one (a hole throughout) is EINVAL.
window 0x100000000 0x101000000
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 1 5
madvise(0x100000000, 0x400000, MADV_COLLAPSE) = -1 EINVAL (Invalid argument)
dump smaps
