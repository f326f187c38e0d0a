# brk does not merge a new heap with an anonymous VMA that ends at start_brk
# (do_brk_flags only expands the VMA found by vma_prev_limit(start_brk));
# an mmap placed right after the heap merges INTO the heap (normal mmap merge:
# same flags rw + VM_ACCOUNT, linear pgoff).
window 0x1f0000000 0x210000000
brk(NULL) = 0x200000000
mmap(0x1ffffe000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x1ffffe000
brk(0x200002000) = 0x200002000
dump heap-beside-mapping
mmap(0x200002000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x200002000
dump mapping-after-heap
# growing into (or to touch) the merged mapping fails: returns the old break
brk(0x200004000) = 0x200002000
brk(0x200003000) = 0x200002000
# shrinking unmaps [newbrk, oldbrk) only; the VMA is split, the tail part is
# no longer inside (start_brk, brk) and loses the [heap] name
brk(0x200001000) = 0x200001000
dump shrunk
