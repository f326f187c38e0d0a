window 0x100000000 0x140000000
mmap(0x100000000, 32768, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 16384 0x11
load 0x100004000 16384
dump init
madvise(0x100000000, 32768, MADV_FREE) = 0
dump freed
store 0x100000000 8192 0x22
dump store-after-free
load 0x100000000 32768
dump load-after-free
madvise(0x100000000, 32768, MADV_PAGEOUT) = 0
dump pageout-after-free
load 0x100000000 32768
dump reload
