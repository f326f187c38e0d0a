# Ported from LTP testcases/kernel/syscalls/mlockall/mlockall03.c, case 3:
# mlockall(~(MCL_CURRENT|MCL_FUTURE)) (unknown flags) is EINVAL.  (Cases 1
# and 2 run as an unprivileged user with RLIMIT_MEMLOCK set, which
# scenarios cannot express.)
window 0x100000000 0x101000000
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mlockall(0xfffffffc) = -1 EINVAL (Invalid argument)
dump smaps
