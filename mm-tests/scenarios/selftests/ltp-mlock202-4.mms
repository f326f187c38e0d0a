# Ported from LTP testcases/kernel/syscalls/mlock2/mlock202.c, case 4:
# mlock2 of a page in the middle of 8 pages mapped and unmapped again is
# ENOMEM.  (Cases 2 and 3, ENOMEM past RLIMIT_MEMLOCK and EPERM with a
# limit of 0, run as an unprivileged user, which scenarios cannot
# express.)
window 0x100000000 0x101000000
mmap(0x100000000, 4096, PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100010000, 32768, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100010000
munmap(0x100010000, 32768) = 0
mlock2(0x100014000, 4096, 0) = -1 ENOMEM (Cannot allocate memory)
dump
