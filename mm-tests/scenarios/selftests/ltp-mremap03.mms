# Ported from LTP testcases/kernel/syscalls/mremap/mremap03.c.
# mremap of an unmapped old address: EFAULT.
window 0x100000000 0x101000000
mremap(0x100010000, 4096, 8192, MREMAP_MAYMOVE) = -1 EFAULT (Bad address)
dump
