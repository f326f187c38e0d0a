# fork, the child exits, the parent's write reuses its page of the folio.
machine thp_enabled_64k=always
window 0x100000000 0x101000000
mmap(0x100000000, 0x10000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000
fork
process 1
exit
store 0x100000000
store 0x100004000
dump smaps
