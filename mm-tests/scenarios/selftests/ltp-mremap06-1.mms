# Ported from LTP testcases/kernel/syscalls/mremap/mremap06.c.
# Reproducer of "mm/mremap: fix vm_pgoff in vma_merge() case 3" (all pages with compatible mapping):
# the second page of a shared file mapping moved past its end and back
# merges with the right page offsets, every page reads its own data.
window 0x100000000 0x101000000
file testfile 16384
openat(AT_FDCWD, "testfile", O_RDWR) = 3
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
store 0x100000000 1 0x30
store 0x100001000 1 0x31
store 0x100002000 1 0x32
store 0x100003000 1 0x33
munmap(0x100000000, 16384) = 0
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
mremap(0x100001000, 4096, 4096, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100003000) = 0x100003000
mremap(0x100003000, 4096, 4096, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100001000) = 0x100001000
load 0x100000000 12288
dump
munmap(0x100000000, 12288) = 0
