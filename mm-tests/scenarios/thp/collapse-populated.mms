# MADV_COLLAPSE of a range populated with 4 KiB pages before the advice.
window 0x100000000 0x101000000
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 0x200000 0x5
dump smaps before
madvise(0x100000000, 0x200000, MADV_COLLAPSE) = 0
dump smaps after
load 0x100000000 0x200000
