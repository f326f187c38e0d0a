# Names for addresses the kernel chose: each NULL-hint mapping lands right
# below the previous one, so two equal anonymous mappings merge.
window 0x100000000 0x140000000
mmap(NULL, 0x3000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $a
store $a+0x1000
mmap(NULL, 0x2000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $b
store $b 0x2000 7
mmap(0x100000000, 0x1000, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
load 0x100000000
dump merged
load $a 0x3000
load $b+0x1800
mprotect($a+0x1000, 0x1000, PROT_READ) = 0
dump split
load $a+0x3000
store $a+0x1000
mmap(NULL, 0x1000, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $c
munmap($b, 0x2000) = 0
dump after munmap
munmap($a, 0x3000) = 0
dump empty
