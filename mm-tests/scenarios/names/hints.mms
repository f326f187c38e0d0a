# A hint that is taken: the kernel chooses; a free hint is honoured and
# the name is that address.  MAP_FIXED_NOREPLACE next to a named mapping.
window 0x100000000 0x140000000
mmap(NULL, 0x10000, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $top
mmap(0x100000000, 0x4000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $h
mmap(0x100000000, 0x4000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $k
mmap(0x100002000, 0x1000, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = -1 EEXIST (File exists)
mmap($k+0x4000, 0x1000, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = -1 EEXIST (File exists)
mmap($k-0x1000, 0x1000, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = $k-0x2000
munmap($top, 0x1000) = 0
mmap($k+0x4000, 0x1000, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = $k+0x4000
store $h 0x4000
store $k 0x4000
dump
madvise($k, 0x4000, MADV_DONTNEED) = 0
msync($h, 0x4000, MS_SYNC) = 0
dump after dontneed
munmap($k, 0x5000) = 0
munmap(0x100000000, 0x4000) = 0
dump none
