# A locked private page shared copy-on-write after fork: the child's
# write copies it (one fault); the parent's page stays as it was; the
# child's mlock of its unlocked copy populates the pages it has not
# written yet by breaking COW too.
window 0xf0000000 0x140000000
mmap(0x100000000, 32768, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_LOCKED, -1, 0) = 0x100000000
store 0x100000000 32768 7
fork
process 1
store 0x100001000 4096 9
dump child-wrote
mlock(0x100000000, 32768) = 0
dump child-locked
load 0x100000000 32768
process 0
load 0x100000000 32768
dump parent
