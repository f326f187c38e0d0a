# MAP_POPULATE and a 4 MiB anonymous mapping (placed on a 2 MiB boundary)
# at kernel-chosen addresses.
window 0x100000000 0x140000000
mmap(NULL, 0x5000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE, -1, 0) = $a
mmap(NULL, 0x400000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $big
mmap(NULL, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $c
store $big+0x1ff000
store $big+0x200000
store $c
dump
munmap($big, 0x400000) = 0
mmap(NULL, 0x3000, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE, -1, 0) = $d
dump reused
