# mlockall: 0, MCL_ONFAULT alone and unknown bits are EINVAL;
# MCL_CURRENT locks and populates every VMA (PROT_NONE ones are locked,
# not populated, and cause no error); munlockall merges them back.
window 0xf0000000 0x140000000
mmap(0x100000000, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100010000, 16384, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100010000
mmap(0x100014000, 16384, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100014000
mlockall(0) = -1 EINVAL (Invalid argument)
mlockall(MCL_ONFAULT) = -1 EINVAL (Invalid argument)
mlockall(8) = -1 EINVAL (Invalid argument)
mlockall(MCL_CURRENT) = 0
dump all-locked
mprotect(0x100010000, 16384, PROT_READ|PROT_WRITE) = 0
dump protnone-now-rw
munlockall() = 0
dump unlocked
