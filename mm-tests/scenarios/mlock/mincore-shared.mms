# mincore of shared anonymous memory (shmem): a page counts once it is in
# the shmem file's cache, whichever process put it there; a private file
# mapping's copied pages count, and the file's other pages too.
window 0xf0000000 0x140000000
mmap(0x100000000, 32768, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100002000 4096
fork
process 1
mincore(0x100000000, 32768, VEC) = 0
store 0x100006000 4096
process 0
mincore(0x100000000, 32768, VEC) = 0
madvise(0x100000000, 32768, MADV_DONTNEED) = 0
mincore(0x100000000, 32768, VEC) = 0
dump parent
