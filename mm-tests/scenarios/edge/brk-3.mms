# [heap] naming is vma_is_initial_heap(): vm_start < mm->brk && vm_end > mm->start_brk
# (strict).  With brk == start_brk a VMA starting at start_brk is not [heap],
# one spanning start_brk is.
window 0x1f0000000 0x210000000
brk(NULL) = 0x200000000
mmap(0x200000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x200000000
dump at-start-brk
mmap(0x1fffff000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x1fffff000
mprotect(0x1fffff000, 4096, PROT_READ|PROT_WRITE) = 0
dump spanning
# growing fails: a VMA already covers oldbrk
brk(0x200002000) = 0x200000000
munmap(0x1fffff000, 8192) = 0
# unaligned break: the first heap page is named as soon as brk > start_brk
brk(0x200000800) = 0x200000800
dump unaligned-break
