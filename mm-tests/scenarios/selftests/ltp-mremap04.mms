# Ported from LTP testcases/kernel/syscalls/mremap/mremap04.c.
# Growing a mapping without MREMAP_MAYMOVE when the next page is taken:
# ENOMEM.
window 0x100000000 0x101000000
mmap(0x100000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100001000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100001000
mremap(0x100000000, 4096, 8192, 0) = -1 ENOMEM (Cannot allocate memory)
dump
