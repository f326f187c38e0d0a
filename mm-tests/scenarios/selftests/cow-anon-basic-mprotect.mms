# Ported from tools/testing/selftests/mm/cow.c, do_test_basic (anon, base page): "Basic COW after fork() with mprotect() optimization".
# The parent mprotects read-only and back before writing: still COW, the
# child keeps the old data.
window 0x100000000 0x101000000
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 16384 0xff
fork
mprotect(0x100000000, 16384, PROT_READ) = 0
mprotect(0x100000000, 16384, PROT_READ|PROT_WRITE) = 0
store 0x100000000 16384 0x00
process 1
load 0x100000000 16384
dump child
