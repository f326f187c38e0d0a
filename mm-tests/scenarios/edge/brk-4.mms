# shrinking brk needs some VMA in [PAGE_ALIGN(newbrk), PAGE_ALIGN(oldbrk));
# if the heap was munmapped, brk fails (returns the old break, mm->brk kept)
window 0x1f0000000 0x210000000
brk(NULL) = 0x200000000
brk(0x200003000) = 0x200003000
munmap(0x200001000, 8192) = 0
brk(0x200001000) = 0x200003000
dump after-failed-shrink
# a shrink range that still contains part of a VMA unmaps whatever is there
brk(0x200000000) = 0x200000000
dump shrunk
# growth after the last heap piece was made read-only: new VMA, no merge
brk(0x200002000) = 0x200002000
mprotect(0x200001000, 4096, PROT_READ) = 0
brk(0x200003000) = 0x200003000
dump ro-tail
# when the RO piece is made RW again (unfaulted: VM_ACCOUNT is set again),
# it merges with both neighbours
mprotect(0x200001000, 4096, PROT_READ|PROT_WRITE) = 0
dump merged
