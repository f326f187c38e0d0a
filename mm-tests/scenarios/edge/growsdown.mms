# MAP_GROWSDOWN: any access below the VMA (no matter how far, up to
# RLIMIT_STACK total size) extends vm_start down to the faulting page
# (expand_downwards, which also calls anon_vma_prepare()), unless an
# accessible non-GROWSDOWN VMA lies within stack_guard_gap (1 MiB) below the
# new start -> SIGSEGV.
window 0x100000000 0x140000000
mmap(0x100200000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_GROWSDOWN, -1, 0) = 0x100200000
load 0x1001ff000
dump one-below
load 0x100180000
dump far-below
mmap(0x100000000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
load 0x100100000
load 0x100101000
dump guard
