# mremap results named: a move lands below the lowest mapping; growing in
# place needs the room above, made by unmapping what was there.
window 0x100000000 0x140000000
mmap(NULL, 0x10000, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $top
mmap(NULL, 0x2000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $a
mmap(NULL, 0x2000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $b
store $a 0x2000 1
store $b 0x2000 2
mremap($b, 0x2000, 0x4000, MREMAP_MAYMOVE) = $c
load $c 0x4000
dump moved
mremap($a, 0x2000, 0x3000, 0) = -1 ENOMEM (Cannot allocate memory)
munmap($top, 0x10000) = 0
mremap($a, 0x2000, 0x6000, 0) = $a
load $a 0x6000
dump grown
mremap($c, 0x4000, 0x4000, MREMAP_MAYMOVE|MREMAP_FIXED, $a+0x8000) = $a+0x8000
load $a+0x8000 0x4000
mremap($a, 0x2000, 0x2000, MREMAP_MAYMOVE|MREMAP_DONTUNMAP) = $d
load $a 0x6000
load $d 0x2000
mremap($d, 0x2000, 0x3000, MREMAP_MAYMOVE) = $d
dump fixed and dontunmap
