# Ported from LTP testcases/kernel/syscalls/mremap/mremap02.c.
# mremap of an unaligned old address: EINVAL.
window 0x100000000 0x101000000
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mremap(0x100000001, 4096, 8192, MREMAP_MAYMOVE) = -1 EINVAL (Invalid argument)
dump
