machine ram=16M swap=zram:128M
# 64 MiB of anonymous memory written and read back on a machine of 16 MiB
# (mmsim run --stats): kswapd keeps free memory above the high watermark
# by swapping the oldest pages out; reading back is a major fault each.
window 0x100000000 0x200000000
mmap(0x100000000, 0x4000000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 0x4000000 0x5a
load 0x100000000 0x4000000
dump
