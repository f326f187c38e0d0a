# Ported from LTP testcases/kernel/syscalls/mmap/mmap09.c.
# A 64 KiB file mapped MAP_SHARED and filled through the mapping (one byte
# a page), then ftruncate while mapped: to 56 KiB (the last two pages are
# SIGBUS, the others keep their data), to 64 KiB + 1 KiB (the two pages come
# back as holes reading zeros) and to 0 (every page is SIGBUS).
window 0x100000000 0x101000000
file mmaptest 0
openat(AT_FDCWD, "mmaptest", O_RDWR) = 3
ftruncate(3, 65536) = 0
mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = $a
store $a 65536 0x41
dump filled
ftruncate(3, 57344) = 0
dump smaller
load $a 65536
ftruncate(3, 66560) = 0
load $a 65536
dump larger
ftruncate(3, 0) = 0
dump zero
load $a
store $a+0xf000
munmap($a, 65536) = 0
close(3) = 0
