# private file mappings: a write first copies (do_cow_fault); a write after
# a read copies the page-cache page (do_wp_page -> wp_page_copy)
window 0x100000000 0x101000000
file f 16384
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
store 0x100000000 1 0x41
load 0x100001000 1
store 0x100001000 1 0x42
load 0x100000000 8192
dump
