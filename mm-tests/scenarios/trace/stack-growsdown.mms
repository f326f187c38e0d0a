# A MAP_GROWSDOWN VMA grows down to a faulting address below it
# (expand_downwards), one fault for the page touched.
window 0x100000000 0x140000000
mmap(0x100100000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_GROWSDOWN, -1, 0) = 0x100100000
store 0x1000fe000
dump
