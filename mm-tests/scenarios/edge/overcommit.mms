# overcommit_memory=0 (heuristic): an accountable mapping (private writable,
# no MAP_NORESERVE) larger than total RAM + swap fails with ENOMEM; the same
# with MAP_NORESERVE, or PROT_READ (not accountable), succeeds.  brk growth is
# always accounted.
window 0x100000000 0x140000000
mmap(0x10000000000, 0x10000000000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = -1 ENOMEM (Cannot allocate memory)
mmap(0x10000000000, 0x10000000000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_NORESERVE, -1, 0) = 0x10000000000
munmap(0x10000000000, 0x10000000000) = 0
mmap(0x10000000000, 0x10000000000, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x10000000000
# ... but making it writable charges it now: ENOMEM, nothing changed
mprotect(0x10000000000, 0x10000000000, PROT_READ|PROT_WRITE) = -1 ENOMEM (Cannot allocate memory)
munmap(0x10000000000, 0x10000000000) = 0
brk(NULL) = 0x200000000
brk(0x20000000000) = 0x200000000
brk(0xffffffffffffffff) = 0x200000000
brk(0x240000000) = 0x240000000
