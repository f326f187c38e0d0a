# fork: the child's VMAs lose VM_LOCKED (dup_mmap clears VM_LOCKED_MASK)
# and its address space does not keep MCL_FUTURE; the VMAs stay split as
# they were.  The child may MADV_DONTNEED what the parent may not, and a
# flag change that matches its neighbours merges them.
window 0xf0000000 0x140000000
mmap(0x100000000, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mlock(0x100004000, 16384) = 0
mlockall(MCL_CURRENT|MCL_FUTURE) = 0
munlock(0x100000000, 0x4000) = 0
fork
process 1
dump child
madvise(0x100004000, 8192, MADV_DONTNEED) = 0
mmap(0x100020000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100020000
dump child-after
mprotect(0x100004000, 16384, PROT_READ) = 0
mprotect(0x100004000, 16384, PROT_READ|PROT_WRITE) = 0
dump child-merged
process 0
madvise(0x100004000, 8192, MADV_DONTNEED) = -1 EINVAL (Invalid argument)
mmap(0x100020000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100020000
dump parent
