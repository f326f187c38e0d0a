# brk growth needs one free page after the new break (newbrk + 4096 <=
# next->vm_start); an mmap right before an existing heap merges into it
window 0x1f0000000 0x210000000
brk(NULL) = 0x200000000
brk(0x200001000) = 0x200001000
mmap(0x200005000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x200005000
brk(0x200005000) = 0x200001000
brk(0x200004001) = 0x200001000
brk(0x200004000) = 0x200004000
dump gap
mmap(0x1fffff000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x1fffff000
dump mapped-before-heap
# brk below start_brk (and brk(NULL)) change nothing and return the current break
brk(0x1fffff000) = 0x200004000
# unaligned break inside the same page: no VMA change, returns the new value
brk(0x200003800) = 0x200003800
dump unaligned
brk(0x200003801) = 0x200003801
brk(NULL) = 0x200003801
# shrink to start_brk: everything from 0x200000000 up to old PAGE_ALIGN(brk) is unmapped
brk(0x200000000) = 0x200000000
dump empty
