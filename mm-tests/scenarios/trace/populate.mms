# MAP_POPULATE faults every page in through GUP: a write fault per page for a
# private writable mapping, zero-page read faults for a read-only one.
window 0x100000000 0x140000000
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_POPULATE, -1, 0) = 0x100000000
mmap(0x100010000, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_POPULATE, -1, 0) = 0x100010000
dump
