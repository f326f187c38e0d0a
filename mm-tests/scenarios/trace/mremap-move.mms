# mremap moves the entries with the VMA: the page stays present at the new
# address and reads back without a fault.
window 0x100000000 0x140000000
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 4096 0x42
mremap(0x100000000, 8192, 8192, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100200000) = 0x100200000
load 0x100200000
dump
