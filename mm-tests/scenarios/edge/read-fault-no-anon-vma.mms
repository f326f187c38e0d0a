# A read fault maps the zero page and does NOT give the VMA an anon_vma:
# A only read, C written -> filling the gap merges all three (compare
# anon-merge-two-anon-vmas where A is written and only A+B merge).
# MAP_POPULATE of a PROT_READ mapping also only maps the zero page.
window 0x100000000 0x140000000
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100003000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100003000
load 0x100000000 8192
store 0x100003000 8192
mmap(0x100002000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100002000
dump gap-filled
