# Names are the same in every process; a child binds its own.
window 0x100000000 0x140000000
mmap(NULL, 0x4000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $a
store $a 0x4000 3
fork
process 1
load $a 0x4000
store $a+0x2000
mmap(NULL, 0x1000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0) = $s
store $s
dump child
process 0
load $s
mmap(NULL, 0x2000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $s2
dump parent
process 1
exit
dump
