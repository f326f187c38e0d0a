# The "no anon_vma" test that lets mprotect(RO) drop VM_ACCOUNT is per VMA,
# not per page: page 2 was never touched, but its VMA has an anon_vma
# (page 0 was written), so the RO piece keeps VM_ACCOUNT and does not merge
# with a fresh PROT_READ mapping placed after it.
window 0x100000000 0x140000000
mmap(0x100000000, 12288, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000
mprotect(0x100002000, 4096, PROT_READ) = 0
mmap(0x100003000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100003000
dump faulted-vma
# same without the store: the RO piece loses VM_ACCOUNT and merges
mmap(0x100010000, 12288, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100010000
mprotect(0x100012000, 4096, PROT_READ) = 0
mmap(0x100013000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100013000
dump unfaulted-vma
