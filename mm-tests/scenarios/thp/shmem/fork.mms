# tmpfs huge=always: after fork the child has no entry for a shared file PMD (copy_huge_pmd skips file VMAs) and faults its own PMD in.
machine tmpfs_huge=always
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x400000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000
store 0x100000000 1 9
fork
process 1
dump smaps child before
load 0x100000000
dump smaps child after
process 0
dump smaps parent
