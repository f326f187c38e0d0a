# Ported from tools/testing/selftests/mm/cow.c, run_with_partmremap / anon base page variants (MADV_DONTNEED of half before fork).
# Half the pages dropped with MADV_DONTNEED before fork: the child sees
# zeros there and the data elsewhere; its writes stay private.
window 0x100000000 0x101000000
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 16384 0xff
madvise(0x100002000, 8192, MADV_DONTNEED) = 0
fork
process 1
store 0x100000000 16384 0x00
load 0x100000000 16384
dump child wrote
exit
load 0x100000000 16384
dump parent
