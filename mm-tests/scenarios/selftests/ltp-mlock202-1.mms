# Ported from LTP testcases/kernel/syscalls/mlock2/mlock202.c, case 1:
# mlock2 with flags -1 (every bit: unknown flags) is EINVAL.
window 0x100000000 0x101000000
mmap(0x100000000, 4096, PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mlock2(0x100000000, 4096, 0xffffffff) = -1 EINVAL (Invalid argument)
dump smaps
