# Ported from LTP testcases/kernel/syscalls/mlock/mlock03.c: mlock then
# munlock of every mapping, in maps order, must not shrink the stack.
# Here the stack is a MAP_GROWSDOWN mapping, among an anonymous, a file
# and a PROT_NONE mapping (whose mlock fails with ENOMEM, which the test
# only reports); the mappings keep their sizes and merge as before.
window 0x100000000 0x101000000
file f 20000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100010000, 20480, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100010000
mmap(0x100020000, 8192, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100020000
mmap(0x100080000, 77824, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_GROWSDOWN, -1, 0) = 0x100080000
store 0x100092000
dump before
mlock(0x100000000, 16384) = 0
munlock(0x100000000, 16384) = 0
mlock(0x100010000, 20480) = 0
munlock(0x100010000, 20480) = 0
mlock(0x100020000, 8192) = -1 ENOMEM (Cannot allocate memory)
munlock(0x100020000, 8192) = 0
mlock(0x100080000, 77824) = 0
munlock(0x100080000, 77824) = 0
dump after
