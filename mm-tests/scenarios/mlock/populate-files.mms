# MADV_POPULATE on files: READ of a private or shared mapping faults
# with fault-around (16 cached pages per fault); WRITE of a private
# mapping copies every page (a fault each), of a shared one writes the
# page cache pages (tmpfs: fault-around already mapped them writable, so
# only the pages not yet mapped fault).  The pages read back as written.
window 0xf0000000 0x140000000
file f 131072
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 131072, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
madvise(0x100000000, 131072, MADV_POPULATE_READ) = 0
dump private-read
madvise(0x100004000, 16384, MADV_POPULATE_WRITE) = 0
dump private-write
mmap(0x100040000, 131072, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100040000
madvise(0x100048000, 32768, MADV_POPULATE_WRITE) = 0
dump shared-write
madvise(0x100040000, 131072, MADV_POPULATE_READ) = 0
dump shared-read
mmap(0x100080000, 65536, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100080000
madvise(0x100080000, 65536, MADV_POPULATE_WRITE) = -1 EINVAL (Invalid argument)
madvise(0x100080000, 65536, MADV_POPULATE_READ) = 0
dump private-ro
load 0x100000000 131072
