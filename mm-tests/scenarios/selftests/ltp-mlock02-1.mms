# Ported from LTP testcases/kernel/syscalls/mlock/mlock02.c, test_enomem1:
# mlock of a page that was mapped and unmapped again is ENOMEM.  (Its
# other two cases, ENOMEM past RLIMIT_MEMLOCK and EPERM with a limit of
# 0, run as an unprivileged user, which scenarios cannot express.)
window 0x100000000 0x101000000
mmap(0x100000000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
munmap(0x100000000, 4096) = 0
mlock(0x100000000, 4096) = -1 ENOMEM (Cannot allocate memory)
dump
