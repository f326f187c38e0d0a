# A load maps the zero page read-only; the store that follows takes a
# write-protect fault: do_wp_page -> wp_page_copy allocates a zeroed copy.
window 0x100000000 0x140000000
mmap(0x100000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
load 0x100000000
store 0x100000000 1 0x11
load 0x100000000
dump
