# fork shares the 64 kB folio; the child's write copies one 4 kB page.
machine thp_enabled_64k=always
window 0x100000000 0x101000000
mmap(0x100000000, 0x10000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 1 0x11
fork
process 1
store 0x100000000 1 0x22
dump smaps child
process 0
load 0x100000000
dump smaps parent
store 0x100002000
dump smaps parent after write
