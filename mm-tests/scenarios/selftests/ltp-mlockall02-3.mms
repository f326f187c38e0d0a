# Ported from LTP testcases/kernel/syscalls/mlockall/mlockall02.c, case 3:
# mlockall(0) is EINVAL.  (Cases 1 and 2, ENOMEM past RLIMIT_MEMLOCK and
# EPERM with a limit of 0, run as an unprivileged user, which scenarios
# cannot express.)
window 0x100000000 0x101000000
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mlockall(0) = -1 EINVAL (Invalid argument)
dump smaps
