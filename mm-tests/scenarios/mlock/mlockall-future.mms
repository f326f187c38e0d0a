# mlockall(MCL_FUTURE) locks every later mapping (mm->def_flags): mmap
# populates it as MAP_LOCKED would, and it does not merge with an older
# unlocked neighbour; with MCL_ONFAULT later mappings lock on fault and
# are not populated (not even with MAP_POPULATE).  munlockall clears
# def_flags and unlocks everything.
window 0xf0000000 0x140000000
mmap(0x100000000, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mlockall(MCL_FUTURE) = 0
dump nothing-changed
mmap(0x100010000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100010000
dump future-mapping
mlockall(MCL_FUTURE|MCL_ONFAULT) = 0
mmap(0x100020000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_POPULATE, -1, 0) = 0x100020000
dump onfault-mapping
munlockall() = 0
mmap(0x100014000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100014000
dump after-munlockall
