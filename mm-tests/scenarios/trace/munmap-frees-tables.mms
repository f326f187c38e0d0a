# munmap zaps the pages, then frees the page tables no VMA can use any
# more (free_pgd_range with the neighbours as floor and ceiling).
window 0x100000000 0x140000000
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100400000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100400000
store 0x100000000 8192
store 0x100400000
munmap(0x100000000, 8192) = 0
dump
