# Ported from LTP testcases/kernel/syscalls/mmap/mmap18.c (grow_stack_fail).
# A MAP_GROWSDOWN mapping does not grow into the stack guard gap of a
# mapping below it: the access is SIGSEGV.
window 0x100000000 0x101000000
mmap(0x100000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100002000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_GROWSDOWN, -1, 0) = 0x100002000
store 0x100001000 1 0x78
dump
