# Ported from tools/testing/selftests/mm/merge.c, TEST_F(merge, forked_target_vma).
# A fork child's faulted VMA (every page unCOWed) does not merge with a
# new unfaulted mapping next to it: the anon_vma chain stays.
window 0x100000000 0x101000000
mmap(0x100000000, 122880, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100001000, 20480, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100001000
store 0x100001000 1 0x78
fork
process 1
store 0x100001000 20480 0x78
mmap(0x100006000, 20480, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100006000
dump child
process 0
mmap(0x100006000, 20480, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100006000
dump parent
