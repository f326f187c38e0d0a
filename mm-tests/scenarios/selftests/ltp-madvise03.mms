# Ported from LTP testcases/kernel/syscalls/madvise/madvise03.c.
# MADV_DONTNEED of written private anonymous pages: they become
# zero-fill-on-demand, every byte read after it is zero.
window 0x100000000 0x101000000
mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $a
store $a 8192 0x01
store $a+0xfff 1 0x01
dump written
madvise($a, 8192, MADV_DONTNEED) = 0
dump dontneed
load $a 8192
load $a+0xfff
dump read
munmap($a, 8192) = 0
