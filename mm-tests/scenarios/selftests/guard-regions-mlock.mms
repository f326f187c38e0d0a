# selftests/mm/guard-regions.c, mlock: guard install on an mlocked range
# fails with EINVAL; after munlock it works, and mlock over guard pages
# then fails with ENOMEM having locked what comes before them.
window 0x100000000 0x100100000
mmap(0x100000000, 0xa000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mlock(0x100000000, 0xa000) = 0
madvise(0x100000000, 0xa000, MADV_GUARD_INSTALL) = -1 EINVAL (Invalid argument)
munlock(0x100000000, 0xa000) = 0
madvise(0x100005000, 0x5000, MADV_GUARD_INSTALL) = 0
mlock(0x100000000, 0xa000) = -1 ENOMEM (Cannot allocate memory)
dump locked
madvise(0x100005000, 0x5000, MADV_GUARD_REMOVE)
load 0x100005000
dump removed
