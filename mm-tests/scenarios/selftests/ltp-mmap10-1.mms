# Ported from LTP testcases/kernel/syscalls/mmap/mmap10.c, its first case (anonymous pages, no KSM;
# the /dev/zero and KSM cases are not expressible), with the address the
# kernel chooses named; the three children run one after the other.
# A private anonymous mapping of 10 MiB - 4 KiB with one page written at
# 5 MiB: each child of three unmaps everything from the page after that
# one to the end and exits; the parent unmaps the whole mapping.
window 0x100000000 0x101000000
mmap(NULL, 10481664, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $memory
store $memory+0x500000 1 0x00
fork
process 1
munmap($memory+0x501000, 5234688) = 0
dump child 1
exit
fork
process 2
munmap($memory+0x501000, 5234688) = 0
dump child 2
exit
fork
process 3
munmap($memory+0x501000, 5234688) = 0
dump child 3
exit
dump parent
munmap($memory, 10481664) = 0
dump released
