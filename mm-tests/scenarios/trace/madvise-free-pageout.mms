# MADV_FREE makes pages lazily freeable; MADV_PAGEOUT then discards the
# clean ones (without swap, other anonymous pages stay).
window 0x100000000 0x140000000
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 8192 0x11
madvise(0x100000000, 8192, MADV_FREE) = 0
store 0x100001000 1 0x22
madvise(0x100000000, 8192, MADV_PAGEOUT) = 0
load 0x100000000 8192
dump
