# Ported from LTP testcases/kernel/syscalls/mmap/mmap18.c (grow_stack_success).
# A MAP_GROWSDOWN mapping grows down when the page below it is touched.
window 0x100000000 0x101000000
mmap(0x100800000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_GROWSDOWN, -1, 0) = 0x100800000
store 0x1007ff000 1 0x78
store 0x1007fd000 1 0x78
dump
