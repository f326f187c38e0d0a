# MADV_POPULATE_(READ|WRITE) errors: a hole is ENOMEM, PROT_NONE and a
# write to a read-only mapping are EINVAL (no FOLL_FORCE), a file page
# past the end of the file EFAULT (the fault would SIGBUS); everything
# before the problem is populated.  A write-only mapping can be populated
# for writing only.
window 0xf0000000 0x140000000
file f 20000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100008000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100008000
madvise(0x100000000, 0xc000, MADV_POPULATE_WRITE) = -1 ENOMEM (Cannot allocate memory)
dump hole
madvise(0x100004000, 0x8000, MADV_POPULATE_READ) = -1 ENOMEM (Cannot allocate memory)
dump starts-in-hole
mmap(0x100010000, 16384, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100010000
mmap(0x100014000, 16384, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100014000
madvise(0x100010000, 0x8000, MADV_POPULATE_READ) = -1 EINVAL (Invalid argument)
dump protnone
madvise(0x100010000, 0x4000, MADV_POPULATE_WRITE) = -1 EINVAL (Invalid argument)
dump read-only-write
mmap(0x100020000, 16384, PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100020000
madvise(0x100020000, 0x4000, MADV_POPULATE_READ) = -1 EINVAL (Invalid argument)
madvise(0x100020000, 0x4000, MADV_POPULATE_WRITE) = 0
dump write-only
mmap(0x100030000, 32768, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100030000
madvise(0x100030000, 32768, MADV_POPULATE_READ) = -1 EFAULT (Bad address)
dump past-eof
mmap(0x100040000, 32768, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100040000
madvise(0x100040000, 32768, MADV_POPULATE_WRITE) = -1 EFAULT (Bad address)
dump past-eof-write
