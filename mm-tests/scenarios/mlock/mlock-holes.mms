# A range that starts in a hole is ENOMEM with nothing done; a hole
# after the start is ENOMEM after the VMAs before it were locked (and
# split), and nothing is populated.  munlock behaves the same.
window 0xf0000000 0x140000000
mmap(0x100000000, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100020000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100020000
mlock(0x100010000, 8192) = -1 ENOMEM (Cannot allocate memory)
dump start-in-hole
mlock(0x10000c000, 0x16000) = -1 ENOMEM (Cannot allocate memory)
dump hole-inside
munlock(0x10000e000, 0x14000) = -1 ENOMEM (Cannot allocate memory)
dump munlock-hole
munlock(0x100030000, 4096) = -1 ENOMEM (Cannot allocate memory)
mlock(0x100020000, 16384) = 0
dump locked-second
mlock(0xffffffffffff0000, 0x20000) = -1 EINVAL (Invalid argument)
mlock(0x100000000, 0xffffffffffffffff) = 0
dump wrapped-length
