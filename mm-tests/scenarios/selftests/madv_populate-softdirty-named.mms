# Ported from tools/testing/selftests/mm/madv_populate.c, test_softdirty().
# The population part (soft-dirty bits are not in the scenario language):
# MADV_POPULATE_READ maps the zero page everywhere, MADV_POPULATE_WRITE
# then gives every page its own copy (one more fault per page), values
# still zero.
window 0x100000000 0x101000000
mmap(NULL, 2097152, PROT_READ|PROT_WRITE, MAP_ANONYMOUS|MAP_PRIVATE, 0, 0) = $a
madvise($a, 2097152, MADV_POPULATE_READ) = 0
dump read
madvise($a, 2097152, MADV_POPULATE_WRITE) = 0
dump write
load $a 2097152
munmap($a, 2097152) = 0
