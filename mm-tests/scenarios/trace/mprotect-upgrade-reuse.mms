# RW -> RO -> RW: mprotect makes the exclusive anonymous page writable again
# itself (can_change_pte_writable), so the second store takes no fault.
window 0x100000000 0x140000000
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000
mprotect(0x100000000, 4096, PROT_READ) = 0
store 0x100000000
mprotect(0x100000000, 4096, PROT_READ|PROT_WRITE) = 0
store 0x100000000
dump
