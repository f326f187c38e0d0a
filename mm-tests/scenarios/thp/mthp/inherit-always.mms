# 64 kB inherit under the global always: every anonymous VMA takes 64 kB folios where no PMD THP fits.
machine thp_enabled=always
machine thp_enabled_64k=inherit
window 0x100000000 0x101000000
mmap(0x100000000, 0x40000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000
store 0x100020000
dump smaps
