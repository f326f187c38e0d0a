# Ported from LTP testcases/kernel/syscalls/mlock2/mlock203.c: a page
# locked with mlock2(MLOCK_ONFAULT) and then again with mlock2(0) is
# locked once (the test reads VmLck; here Locked, and the VMA flags
# changing from VM_LOCKED|VM_LOCKONFAULT to VM_LOCKED, which populates
# the page); then munlock.
window 0x100000000 0x101000000
mmap(0x100000000, 4096, PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100001000, 4096, PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100001000
mlock2(0x100000000, 4096, MLOCK_ONFAULT) = 0
dump smaps onfault
mlock2(0x100000000, 4096, 0) = 0
dump smaps locked
munlock(0x100000000, 4096) = 0
dump smaps unlocked
