# mprotect of part of a 64 kB folio splits the VMA; made writable again, the exclusive pages need no fault.
machine thp_enabled_64k=always
window 0x100000000 0x101000000
mmap(0x100000000, 0x10000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000
mprotect(0x100004000, 0x4000, PROT_READ) = 0
dump smaps
mprotect(0x100004000, 0x4000, PROT_READ|PROT_WRITE) = 0
store 0x100005000
dump smaps after
