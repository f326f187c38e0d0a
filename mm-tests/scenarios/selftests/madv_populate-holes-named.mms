# Ported from tools/testing/selftests/mm/madv_populate.c, test_holes().
# A 2 MiB mapping with its second page unmapped: both populate advices are
# ENOMEM for a range with a hole in the middle, at the end and at the
# beginning; the first page, before the hole, is populated.
window 0x100000000 0x101000000
mmap(NULL, 2097152, PROT_READ|PROT_WRITE, MAP_ANONYMOUS|MAP_PRIVATE, 0, 0) = $a
munmap($a+0x1000, 4096) = 0
madvise($a, 2097152, MADV_POPULATE_READ) = -1 ENOMEM (Cannot allocate memory)
madvise($a, 2097152, MADV_POPULATE_WRITE) = -1 ENOMEM (Cannot allocate memory)
madvise($a, 8192, MADV_POPULATE_READ) = -1 ENOMEM (Cannot allocate memory)
madvise($a, 8192, MADV_POPULATE_WRITE) = -1 ENOMEM (Cannot allocate memory)
madvise($a+0x1000, 4096, MADV_POPULATE_READ) = -1 ENOMEM (Cannot allocate memory)
madvise($a+0x1000, 4096, MADV_POPULATE_WRITE) = -1 ENOMEM (Cannot allocate memory)
dump
munmap($a, 2097152) = 0
