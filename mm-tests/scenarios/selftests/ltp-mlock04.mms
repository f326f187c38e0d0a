# Ported from LTP testcases/kernel/syscalls/mlock/mlock04.c: mlock of a
# shared file mapping with PROT_WRITE but not PROT_READ succeeds (it
# populates it without breaking anything), then munlock and munmap.
window 0x100000000 0x101000000
file test_mlock 40960
openat(AT_FDCWD, "test_mlock", O_RDWR) = 3
mmap(0x100000000, 40960, PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
mlock(0x100000000, 40960) = 0
dump smaps locked
munlock(0x100000000, 40960) = 0
dump smaps unlocked
munmap(0x100000000, 40960) = 0
