# mremap of a source range that wraps around the address space, or lies past TASK_SIZE: EFAULT (the old range is not checked against TASK_SIZE).
window 0x100000000 0x140000000
mmap(0x100000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mremap(0xfffffffffffff000, 4096, 4096, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100000000)
mremap(0xfffffffffffff000, 8192, 4096, 0)
mremap(0x7ffffffff000, 8192, 4096, 0)
mremap(0xffffffffffffe000, 4096, 8192, MREMAP_MAYMOVE)
dump
