# MAP_LOCKED maps VM_LOCKED and populates (read faults for a read-only
# mapping, write faults for a private writable one); a locked mapping
# does not merge with an unlocked neighbour but merges with a locked one.
window 0xf0000000 0x140000000
mmap(0x100000000, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100010000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_LOCKED, -1, 0) = 0x100010000
dump locked-next-to-unlocked
mmap(0x100014000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_LOCKED, -1, 0) = 0x100014000
dump two-locked-merge
mmap(0x100020000, 16384, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_LOCKED, -1, 0) = 0x100020000
dump read-only-locked
mmap(0x100030000, 16384, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_LOCKED, -1, 0) = 0x100030000
dump protnone-locked
munlock(0x100010000, 32768) = 0
dump unlocked-merge
