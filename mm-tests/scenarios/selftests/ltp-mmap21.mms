# Ported from LTP testcases/kernel/syscalls/mmap/mmap21.c (1000 pages), with the addresses the
# kernel chooses named.
# (malloc's buffer is the anonymous mapping glibc makes for it, the data
# 16 bytes into it; the one-byte write after lseek is pwrite64 from that
# buffer; the child's stores of (char)i are shown by the first, second and
# last bytes)
# A child writes a MAP_SHARED PROT_WRITE file mapping of 1000 pages and
# exits; after msync, the parent reads the file with read() into its
# buffer and sees the child's bytes.
window 0x100000000 0x101000000
mmap(NULL, 4100096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $malloc
file testfile 0
openat(AT_FDCWD, "testfile", O_RDWR|O_CREAT) = 3
pwrite64(3, $malloc+0x10, 1, 4096000) = 1
mmap(NULL, 4096000, PROT_WRITE, MAP_SHARED, 3, 0) = $data
fork
process 1
store $data 4096000 0x00
store $data+1 1 0x01
store $data+0x3e7fff 1 0xff
dump child
exit
msync($data, 4096000, MS_SYNC) = 0
store $malloc+0x10 4096000 0x00
read(3, $malloc+0x10, 4096000) = 4096000
load $malloc+0x10
load $malloc+0x11
load $malloc+0x3e800f
load $malloc+0x3e8010
close(3) = 0
dump
munmap($data, 4096000) = 0
