# write() whose buffer maps the file it writes, past the file's end: the
# copy runs with page faults disabled, fails, and shmem_write_end with
# nothing copied moves the size up to the write's position first; the
# buffer is faulted in after that, inside the file now, and the write
# succeeds (generic_perform_write); a buffer that lags behind the write's
# position keeps being inside the file. A buffer page past the end of the
# page being written (or at it, when the write starts at the end) ends the
# write: EFAULT.
window 0x100000000 0x140000000
file f 0x4000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x8000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = 0x100000000
load 0x100000000 0x4000
pwrite64(3, 0x100000000, 0x2000, 0x1000) = 8192
ftruncate(3, 0) = 0
pwrite64(3, 0x100000000, 0x1000, 0x5000) = 4096
dump after write
load 0x100000000 0x6000
pwrite64(3, 0x100007000, 0x1000, 0x6000) = -1 EFAULT (Bad address)
load 0x100006000 1
ftruncate(3, 0x1000) = 0
pwrite64(3, 0x100000800, 0x2000, 0x1800) = 8192
load 0x100000000 0x8000
ftruncate(3, 0x1000) = 0
pwrite64(3, 0x100000800, 0x3000, 0x1000) = 12288
load 0x100000000 0x8000
ftruncate(3, 0x2000) = 0
pwrite64(3, 0x100002000, 0x1000, 0x2000) = -1 EFAULT (Bad address)
load 0x100000000 0x8000
pwrite64(3, 0x100001000, 0x3000, 0x2000) = 12288
load 0x100000000 0x8000
dump end
