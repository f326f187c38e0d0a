# mprotect: unaligned start EINVAL (even with len 0); len 0 -> 0; wrap -> ENOMEM;
# start in a hole -> ENOMEM, nothing changed; a hole later in the range ->
# the VMAs before the hole are changed, then ENOMEM.
window 0x100000000 0x140000000
mprotect(0x100000001, 0, PROT_READ) = -1 EINVAL (Invalid argument)
mprotect(0x100000000, 0, PROT_READ) = 0
mprotect(0x100000000, 0xfffffffffffff001, PROT_READ) = -1 ENOMEM (Cannot allocate memory)
mprotect(0x100000000, 4096, PROT_READ) = -1 ENOMEM (Cannot allocate memory)
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100003000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100003000
mprotect(0x100001000, 0x3000, PROT_READ) = -1 ENOMEM (Cannot allocate memory)
dump partial
mprotect(0x100004000, 0x2000, PROT_NONE) = -1 ENOMEM (Cannot allocate memory)
dump tail
