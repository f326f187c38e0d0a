# A range across two VMAs with different protections locks the end of
# the first and the start of the second (each split off); a third lock
# of the pages between them merges nothing across the protections.
# Locked shared anonymous memory and a MAP_GROWSDOWN mapping are
# populated as the others.
window 0xf0000000 0x140000000
mmap(0x100000000, 32768, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100008000, 32768, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100008000
mlock(0x100006000, 16384) = 0
dump across
mlock(0x100000000, 0x10000) = 0
dump all-locked
munlock(0x100004000, 0x8000) = 0
dump middle-unlocked
mmap(0x100020000, 32768, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100020000
mlock(0x100024000, 8192) = 0
dump shared-anon
mmap(0x100030000, 32768, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_GROWSDOWN, -1, 0) = 0x100030000
mlock(0x100030000, 32768) = 0
dump growsdown
