# Ported from LTP testcases/kernel/syscalls/madvise/madvise01.c, with the addresses the kernel
# chooses named and the advice v1.4 adds (MADV_REMOVE, MADV_DONTDUMP,
# MADV_DODUMP, MADV_COLD, MADV_PAGEOUT).
# (the file on the test's tmpfs mount is a tmpfs file of 40 KiB with the
# format's bytes; MADV_HWPOISON, MADV_MERGEABLE/UNMERGEABLE and
# MADV_HUGEPAGE/NOHUGEPAGE are left out: the language has no KSM, THP nor
# memory-failure advice)
# Every advice succeeds on a shared file mapping (MADV_REMOVE punches the
# file: it then reads zeros) and on a private anonymous one.
window 0x100000000 0x101000000
file testfile 40960
openat(AT_FDCWD, "testfile", O_RDWR) = 3
mmap(NULL, 40960, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = $sfile
mmap(NULL, 40960, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $amem
close(3) = 0
madvise($sfile, 40960, MADV_NORMAL) = 0
madvise($sfile, 40960, MADV_RANDOM) = 0
madvise($sfile, 40960, MADV_SEQUENTIAL) = 0
madvise($sfile, 40960, MADV_WILLNEED) = 0
madvise($sfile, 40960, MADV_DONTNEED) = 0
madvise($sfile, 40960, MADV_REMOVE) = 0
madvise($sfile, 40960, MADV_DONTFORK) = 0
madvise($sfile, 40960, MADV_DOFORK) = 0
madvise($sfile, 40960, MADV_DONTDUMP) = 0
madvise($sfile, 40960, MADV_DODUMP) = 0
madvise($amem, 40960, MADV_FREE) = 0
madvise($amem, 40960, MADV_WIPEONFORK) = 0
madvise($amem, 40960, MADV_KEEPONFORK) = 0
madvise($amem, 40960, MADV_COLD) = 0
madvise($amem, 40960, MADV_PAGEOUT) = 0
dump
load $sfile 40960
load $amem 40960
munmap($sfile, 40960) = 0
munmap($amem, 40960) = 0
dump unmapped
