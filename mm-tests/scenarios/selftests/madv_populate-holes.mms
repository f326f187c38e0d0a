# Ported from tools/testing/selftests/mm/madv_populate.c, test_holes:
# a hole in the middle, at the end or at the beginning of the range is
# ENOMEM for both advices (the part before the hole is populated).
window 0x100000000 0x101000000
mmap(0x100200000, 2097152, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100200000
munmap(0x100201000, 4096) = 0
madvise(0x100200000, 2097152, MADV_POPULATE_READ) = -1 ENOMEM (Cannot allocate memory)
madvise(0x100200000, 2097152, MADV_POPULATE_WRITE) = -1 ENOMEM (Cannot allocate memory)
madvise(0x100200000, 8192, MADV_POPULATE_READ) = -1 ENOMEM (Cannot allocate memory)
madvise(0x100200000, 8192, MADV_POPULATE_WRITE) = -1 ENOMEM (Cannot allocate memory)
madvise(0x100201000, 4096, MADV_POPULATE_READ) = -1 ENOMEM (Cannot allocate memory)
madvise(0x100201000, 4096, MADV_POPULATE_WRITE) = -1 ENOMEM (Cannot allocate memory)
dump
munmap(0x100200000, 2097152) = 0
