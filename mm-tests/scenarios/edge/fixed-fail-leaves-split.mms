# A MAP_FIXED mmap that fails after the overlapped VMAs were gathered (here:
# overcommit check, 1 TiB accountable) returns ENOMEM with the old mappings
# intact, but the splits made while gathering are not undone.
window 0x100000000 0x140000000
mmap(0x100000000, 12288, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 12288
mmap(0x100001000, 0x10000000000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = -1 ENOMEM (Cannot allocate memory)
dump after-failed-fixed
mmap(0x100001000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100001000
dump
