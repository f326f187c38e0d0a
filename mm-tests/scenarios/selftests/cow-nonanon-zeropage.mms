# Ported from tools/testing/selftests/mm/cow.c, run_with_zeropage: "Basic COW" (non-anon).
# A private anonymous page read first maps the shared zero page; a write
# to it gets a private copy and leaves the other zero-page mapping alone.
window 0x100000000 0x101000000
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100010000, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100010000
load 0x100000000 8192
load 0x100010000 8192
dump zero pages mapped
store 0x100000000 1 0xff
load 0x100000000 8192
load 0x100010000 8192
dump after write
