# VM_ACCOUNT asymmetry: a PROT_READ anon mapping has no VM_ACCOUNT.
# mprotect RW sets it; mprotect back to RO clears it only if the VMA has no
# anon_vma (never write-faulted).  A faulted piece keeps VM_ACCOUNT and
# stays a separate r--p VMA next to identical-looking r--p neighbours.
window 0x100000000 0x140000000
mmap(0x100000000, 12288, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mprotect(0x100001000, 4096, PROT_READ|PROT_WRITE) = 0
mprotect(0x100001000, 4096, PROT_READ) = 0
dump unfaulted-roundtrip
mprotect(0x100001000, 4096, PROT_READ|PROT_WRITE) = 0
store 0x100001000
mprotect(0x100001000, 4096, PROT_READ) = 0
dump faulted-roundtrip
mprotect(0x100000000, 12288, PROT_READ|PROT_WRITE) = 0
dump all-rw
mprotect(0x100000000, 12288, PROT_READ) = 0
dump all-ro-again
