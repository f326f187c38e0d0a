# First touch of anonymous memory: a store allocates every page-table level
# and a zeroed page; a load of the next page maps the shared zero page.
window 0x100000000 0x140000000
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000
load 0x100001000
dump
