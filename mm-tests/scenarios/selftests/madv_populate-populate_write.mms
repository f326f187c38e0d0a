# Ported from tools/testing/selftests/mm/madv_populate.c,
# test_populate_write: 2 MiB not populated at first, every page present
# (and allocated: Rss) after MADV_POPULATE_WRITE.
window 0x100000000 0x101000000
mmap(0x100200000, 2097152, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100200000
dump before
madvise(0x100200000, 2097152, MADV_POPULATE_WRITE) = 0
dump smaps after
munmap(0x100200000, 2097152) = 0
