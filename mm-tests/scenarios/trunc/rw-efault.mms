# A buffer that runs into an unmapped, read-only or PROT_NONE page: the
# bytes before it are moved and counted; none moved is EFAULT.
window 0x100000000 0x140000000
file f 0x6000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x3000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x100000000
mmap(0x100003000, 0x1000, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x100003000
mmap(0x100004000, 0x1000, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x100004000
pread64(3, 0x100002000, 0x3000, 0) = 4096
pread64(3, 0x100002800, 0x3000, 0) = 2048
pread64(3, 0x100003000, 0x1000, 0) = -1 EFAULT (Bad address)
pread64(3, 0x100004000, 0x1000, 0) = -1 EFAULT (Bad address)
pread64(3, 0x100005000, 0x1000, 0) = -1 EFAULT (Bad address)
read(3, 0x100002c00, 0x2000) = 1024
read(3, 0x100002c00, 0x2000) = 1024
dump reads
pwrite64(3, 0x100003000, 0x2000, 0) = 4096
pwrite64(3, 0x100003800, 0x2000, 0) = 2048
pwrite64(3, 0x100004000, 0x1000, 0) = -1 EFAULT (Bad address)
pwrite64(3, 0x100005000, 0x1000, 0x5800) = -1 EFAULT (Bad address)
write(3, 0x100003f00, 0x1000) = 256
pwrite64(3, 0x100005000, 0x1000, 0x10000) = -1 EFAULT (Bad address)
dump writes
pread64(3, 0x100000000, 0x1000, 0x5000) = 4096
load 0x100000000 1
read(3, 0x7ffffffff000, 0x1000) = -1 EFAULT (Bad address)
read(3, 0xfffffffffffff000, 0x1000) = -1 EFAULT (Bad address)
read(3, 0x100000000, 0xfffffffffffff000) = -1 EFAULT (Bad address)
pread64(3, 0x100000000, 0x1000, 0xffffffffffffffff) = -1 EINVAL (Invalid argument)
pwrite64(3, 0x100000000, 0x1000, 0x8000000000000000) = -1 EINVAL (Invalid argument)
pwrite64(3, 0x100000000, 0x1000, 0x7ffffffffffff800) = -1 EINVAL (Invalid argument)
pwrite64(3, 0x100000000, 0, 0x7fffffffffffffff) = 0
read(3, 0x100000000, 0) = 0
dump end
