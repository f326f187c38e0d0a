# fork shares the written anonymous pages read-only (copy_page_range); the
# child's write copies its page (do_wp_page -> wp_page_copy); once the
# child copied or exited, the parent's pages are its own again and its
# writes reuse them in place (wp_page_reuse); switching processes loads
# the other CR3 (a PCID each)
window 0x100000000 0x101000000
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 8192 0x11
fork
process 1
store 0x100000000 1 0x22
load 0x100000000 8192
dump child
exit
store 0x100000000 1 0x33
store 0x100001000 1 0x44
load 0x100000000 8192
dump parent
