# mlock2(MLOCK_ONFAULT) sets VM_LOCKED|VM_LOCKONFAULT and populates
# nothing; a later plain mlock of the same pages changes the flags (a
# split again) and populates.  Unknown mlock2 flags are EINVAL.
window 0xf0000000 0x140000000
mmap(0x100000000, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mlock2(0x100004000, 16384, MLOCK_ONFAULT) = 0
dump onfault
store 0x100004000 8192
dump touched
mlock2(0x100000000, 8192, 0) = 0
dump locked-front
mlock(0x100004000, 8192) = 0
dump relocked
mlock2(0x100000000, 4096, 2) = -1 EINVAL (Invalid argument)
mlock2(0x100000000, 4096, 0xff) = -1 EINVAL (Invalid argument)
munlock(0x100000000, 65536) = 0
dump unlocked
