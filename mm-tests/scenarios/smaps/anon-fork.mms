# smaps of anonymous memory: written pages are private and dirty; after
# fork they are shared by two processes (Pss halves) until one writes.
window 0x100000000 0x140000000
mmap(0x100000000, 0x10000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x100000000
store 0x100000000 0x6000
load 0x100008000 0x3000
dump smaps written and read
fork
dump smaps after fork
process 1
store 0x100001000 0x2000
dump smaps child wrote
fork
dump smaps three
process 0
madvise(0x100000000, 0x3000, MADV_DONTNEED) = 0
dump smaps parent dontneed
exit
dump smaps
