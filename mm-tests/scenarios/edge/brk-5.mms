# brk expansion target = the VMA ending at PAGE_ALIGN(old brk), found with
# vma_prev_limit(start_brk): also when it starts below start_brk (here an
# mmap merged in front of the heap)
window 0x1f0000000 0x210000000
brk(NULL) = 0x200000000
brk(0x200001000) = 0x200001000
mmap(0x1fffff000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x1fffff000
brk(0x200002000) = 0x200002000
dump grown
