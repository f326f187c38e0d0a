# MAP_FIXED over the middle of a faulted VMA with the same flags: the old pages
# are zapped, the two remaining pieces (same anon_vma) become prev/next of the
# new range and all three merge back into one VMA.
window 0x100000000 0x140000000
mmap(0x100000000, 12288, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 12288
mmap(0x100001000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100001000
dump remerged
load 0x100000000 12288
