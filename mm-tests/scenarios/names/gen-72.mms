window 0x100000000 0x140000000
file f 0x20000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(NULL, 0x1000000, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0) = $top
mmap(NULL, 0x3000, PROT_READ, MAP_SHARED|MAP_ANONYMOUS, -1, 0) = $m0
store $m0+0x3000 0x2000 0x62
dump d1
store $m0+0x5000 0x1000 0x73
dump smaps d2
mmap(NULL, 0x10000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $m1
mprotect($m1+0xd000, 0x6000, PROT_READ|PROT_WRITE)
madvise($m0+0x2000, 0x4000, MADV_WILLNEED)
fork
mmap(NULL, 0x20000, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0x0) = $m2
dump smaps d7
madvise($m2+0x20000, 0x4000, MADV_RANDOM)
store $m1+0xf000 0x6000 0x15
munmap($m1-0x1000, 0x1000)
munmap($m1+0x5000, 0x2000)
madvise($m0-0x1000, 0x4000, MADV_DONTNEED)
dump smaps d12
mmap(NULL, 0x1000, PROT_NONE, MAP_SHARED|MAP_ANONYMOUS, -1, 0) = $m3
mmap(NULL, 0x10000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $m4
load $m0+0x5000 0x2000
mmap(NULL, 0x10000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $m5
load $m0+0x5000 0x2000
madvise($m3+0x3000, 0x1000, MADV_WILLNEED)
fork
mprotect($m3-0x2000, 0x5000, PROT_NONE)
process 1
store $m0 0x1000 0x6a
dump d22
munmap($m5+0xf000, 0x6000)
load $m5-0x2000 0x5000
mremap($m1, 0x4000, 0x7000, MREMAP_MAYMOVE) = $m6
store $m0+0x2000 0x2000 0xd2
msync($m1+0x8000, 0x1000, MS_SYNC)
mremap($m6, 0x7000, 0x2000, 0) = $m6
dump d28
process 0
madvise($m3-0x2000, 0x5000, MADV_RANDOM)
mremap($m4, 0xa000, 0x14000, MREMAP_MAYMOVE) = $m7
dump smaps final
