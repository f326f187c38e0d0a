# Ported from tools/testing/selftests/mm/cow.c, test_cow_in_parent / do_test_cow_in_parent (anon, base page).
# Anonymous memory after fork: the child's writes are private to it;
# the parent still reads its own data.
window 0x100000000 0x101000000
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 16384 0xff
fork
process 1
store 0x100000000 16384 0x00
load 0x100000000 16384
dump child wrote
exit
load 0x100000000 16384
dump parent
