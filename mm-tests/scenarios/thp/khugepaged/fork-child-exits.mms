# A child forked from an address space on khugepaged's list is on it too;
# once the child has exited, the parent's pages are its own again and
# its block of 4 KiB pages is collapsed.
window 0x100000000 0x101000000
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 0x200000
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
fork
process 1
load 0x100000000 0x200000
exit
khugepaged
dump smaps
