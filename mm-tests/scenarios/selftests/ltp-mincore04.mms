# Ported from LTP testcases/kernel/syscalls/mincore/mincore04.c: a file of
# 3 pages that are not in the page cache (here: holes, made by growing an
# empty file with ftruncate; the test drops them with fadvise), mapped
# private before a fork; the child mlocks the mapping, which brings the
# pages into the cache, so mincore in the parent, which has no page
# table entries for them, reports all 3 resident.
window 0x100000000 0x101000000
file FILE 0
openat(AT_FDCWD, "FILE", O_RDWR) = 3
ftruncate(3, 12288) = 0
mmap(0x100000000, 12288, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
mincore(0x100000000, 12288, vec) = 0
fork
process 1
mlock(0x100000000, 12288) = 0
dump child
process 0
mincore(0x100000000, 12288, vec) = 0
dump parent
process 1
exit
process 0
munmap(0x100000000, 12288) = 0
