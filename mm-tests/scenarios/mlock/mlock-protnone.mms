# A PROT_NONE VMA is locked but cannot be populated: mlock sets
# VM_LOCKED, __mm_populate fails with EFAULT (no FOLL_FORCE for an
# inaccessible VMA) and mlock reports ENOMEM.  Readable and write-only
# neighbours before it are populated.
window 0xf0000000 0x140000000
mmap(0x100000000, 16384, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100004000, 16384, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100004000
mmap(0x100008000, 16384, PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100008000
mlock(0x100000000, 0xc000) = -1 ENOMEM (Cannot allocate memory)
dump after-mlock
mlock(0x100008000, 0x4000) = 0
dump write-only-locked
mprotect(0x100004000, 16384, PROT_READ) = 0
mlock(0x100004000, 0x4000) = 0
dump now-readable
