machine ram=256K swap=zram:1M
# 48 pages written: when free memory falls below the low watermark the
# fault wakes kswapd, which runs as the access completes and reclaims the
# oldest inactive anonymous pages to swap until free memory is above the
# high watermark; reading the first pages back is a major fault each.
window 0x100000000 0x101000000
mmap(0x100000000, 196608, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 196608 0x44
load 0x100000000 2
dump
