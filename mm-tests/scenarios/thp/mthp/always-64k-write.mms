# 64 kB mTHP always: one write fault maps the whole aligned 64 kB folio.
machine thp_enabled_64k=always
window 0x100000000 0x101000000
mmap(0x100000000, 0x40000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000
dump smaps one
store 0x100034000
dump smaps two
