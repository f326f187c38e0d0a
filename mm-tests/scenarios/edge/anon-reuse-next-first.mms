# anon_vma_prepare() on the first write fault reuses a neighbour's anon_vma
# (find_mergeable_anon_vma: NEXT is tried first, then PREV) when the two VMAs
# are adjacent, differ only in VM_READ/WRITE/EXEC, have linear pgoffs, and the
# neighbour's anon_vma chain is singular.  A and C have their own anon_vmas;
# B (rwx, between them) is faulted and picks C's.  Making B rw again then
# merges it with C, not with A.
window 0x100000000 0x140000000
mmap(0x100000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100002000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100002000
store 0x100000000
store 0x100002000
mmap(0x100001000, 4096, PROT_READ|PROT_WRITE|PROT_EXEC, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100001000
store 0x100001000
dump b-faulted
mprotect(0x100001000, 4096, PROT_READ|PROT_WRITE) = 0
dump b-rw
# same, but B is not faulted before the mprotect: B (no anon_vma) merges
# with prev A only (A and C anon_vmas differ, so not all three)
mmap(0x100010000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100010000
mmap(0x100012000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100012000
store 0x100010000
store 0x100012000
mmap(0x100011000, 4096, PROT_READ|PROT_WRITE|PROT_EXEC, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100011000
mprotect(0x100011000, 4096, PROT_READ|PROT_WRITE) = 0
dump b-unfaulted-rw
