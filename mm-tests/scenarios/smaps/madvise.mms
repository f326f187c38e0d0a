# smaps after MADV_FREE (lazily freed pages turn clean), MADV_PAGEOUT
# (no swap: anonymous pages stay), mremap and a read-only private file
# mapping.
window 0x100000000 0x140000000
file data 0x10000
openat(AT_FDCWD, "data", O_RDONLY) = 3
mmap(0x100000000, 0x8000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x100000000
store 0x100000000 0x8000
madvise(0x100000000, 0x4000, MADV_FREE) = 0
dump smaps free
store 0x100001000
madvise(0x100004000, 0x2000, MADV_PAGEOUT) = 0
dump smaps pageout
mremap(0x100004000, 0x4000, 0x4000, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100020000) = 0x100020000
mmap(0x100040000, 0x10000, PROT_READ, MAP_PRIVATE, 3, 0) = 0x100040000
load 0x100045000
dump smaps moved and file
fork
process 1
madvise(0x100000000, 0x4000, MADV_FREE) = 0
dump smaps child free of shared pages
process 0
dump smaps parent keeps its dirty entry
store 0x100000000
dump smaps parent wrote
