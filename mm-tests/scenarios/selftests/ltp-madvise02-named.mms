# Ported from LTP testcases/kernel/syscalls/madvise/madvise02.c, with the addresses the kernel
# chooses named, mlock, raw advice values and MADV_REMOVE (v1.4).
# (the file is a tmpfs file of 16 pages with the format's bytes; this
# kernel has KSM, so the test skips its MADV_MERGEABLE/UNMERGEABLE cases,
# and MADV_WILLNEED of the malloc'ed buffer, which it expects to be EBADF)
# EINVAL: an unaligned start, an unknown advice (1212), MADV_REMOVE of a
# read-only shared mapping, MADV_DONTNEED, MADV_FREE and MADV_WIPEONFORK
# of an mlocked shared file mapping, MADV_WIPEONFORK of shared anonymous
# memory and of a private file mapping; ENOMEM: MADV_NORMAL and
# MADV_WILLNEED of a range whose last page was unmapped.
window 0x100000000 0x101000000
file testfile 65536
openat(AT_FDCWD, "testfile", O_RDWR) = 3
mmap(NULL, 65536, PROT_READ, MAP_SHARED, 3, 0) = $file1
mmap(NULL, 65536, PROT_READ, MAP_SHARED, 3, 0) = $file2
mmap(NULL, 65536, PROT_READ, MAP_PRIVATE, 3, 0) = $file3
mmap(NULL, 4096, PROT_READ, MAP_SHARED|MAP_ANONYMOUS, -1, 0) = $shared_anon
munmap($file2+0xf000, 4096) = 0
close(3) = 0
mlock($file1, 65536) = 0
madvise($file1+100, 65536, MADV_NORMAL) = -1 EINVAL (Invalid argument)
madvise($file1, 65536, 1212) = -1 EINVAL (Invalid argument)
madvise($file1, 65536, MADV_REMOVE) = -1 EINVAL (Invalid argument)
madvise($file1, 65536, MADV_DONTNEED) = -1 EINVAL (Invalid argument)
madvise($file2, 65536, MADV_NORMAL) = -1 ENOMEM (Cannot allocate memory)
madvise($file2, 65536, MADV_WILLNEED) = -1 ENOMEM (Cannot allocate memory)
madvise($file1, 65536, MADV_FREE) = -1 EINVAL (Invalid argument)
madvise($file1, 65536, MADV_WIPEONFORK) = -1 EINVAL (Invalid argument)
madvise($shared_anon, 65536, MADV_WIPEONFORK) = -1 EINVAL (Invalid argument)
madvise($file3, 65536, MADV_WIPEONFORK) = -1 EINVAL (Invalid argument)
dump
munmap($file1, 65536) = 0
munmap($file2, 61440) = 0
munmap($file3, 65536) = 0
munmap($shared_anon, 4096) = 0
dump unmapped
