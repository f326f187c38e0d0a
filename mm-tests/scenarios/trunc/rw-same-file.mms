# The buffer is a mapping of the file itself: copy_to_user and
# copy_from_user fault on it like loads and stores, shmem_fault finds the
# cache's pages; a read into a shared mapping of the same page reads back
# what it overwrites.
window 0x100000000 0x140000000
file f 0x6000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x6000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = 0x100000000
mmap(0x100010000, 0x6000, PROT_READ|PROT_WRITE, MAP_PRIVATE, 3, 0) = 0x100010000
pread64(3, 0x100003000, 0x2000, 0) = 8192
dump shared
load 0x100000000 0x6000
pread64(3, 0x100010000, 0x2000, 0x4000) = 8192
dump private
load 0x100010000 0x6000
pwrite64(3, 0x100010000, 0x1000, 0x5000) = 4096
load 0x100005000 1
pwrite64(3, 0x100002000, 0x1800, 0x3800) = 6144
load 0x100000000 0x6000
dump end
