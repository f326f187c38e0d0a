# Ported from LTP testcases/kernel/syscalls/mremap/mremap01.c, with the
# addresses the kernel chooses named.
# (the one-byte writes after lseek are pwrite64 from a zeroed page in the
# window; the test's stores of (char)ind are shown one a page)
# A 1000-page MAP_SHARED PROT_WRITE mapping of a file grown past it, grown
# to 2000 pages with MREMAP_MAYMOVE (the kernel moves it: nothing is free
# above it), is writable through its whole length and msync succeeds.
window 0x100000000 0x101000000
mmap(0x100000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
file mremapfile 0
openat(AT_FDCWD, "mremapfile", O_RDWR|O_CREAT) = 3
pwrite64(3, 0x100000000, 1, 4096000) = 1
mmap(NULL, 4096000, PROT_WRITE, MAP_SHARED, 3, 0) = $addr
pwrite64(3, 0x100000000, 1, 8192000) = 1
mremap($addr, 4096000, 8192000, MREMAP_MAYMOVE) = $new
store $new 8192000 0x00
store $new+0x7cffff 1 0xff
msync($new, 8192000, MS_SYNC) = 0
dump
munmap($new, 8192000) = 0
close(3) = 0
dump unmapped
