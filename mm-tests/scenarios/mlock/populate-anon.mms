# MADV_POPULATE_READ maps the zero page (one fault per page), and
# MADV_POPULATE_WRITE then replaces each with a private page (one write
# fault per page); already writable pages cost nothing.  The VMA is not
# changed (no split).
window 0xf0000000 0x140000000
mmap(0x100000000, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
madvise(0x100002000, 16384, MADV_POPULATE_READ) = 0
dump read
madvise(0x100000000, 32768, MADV_POPULATE_WRITE) = 0
dump write
madvise(0x100000000, 32768, MADV_POPULATE_WRITE) = 0
madvise(0x100000000, 32768, MADV_POPULATE_READ) = 0
dump again
madvise(0x100000001, 4096, MADV_POPULATE_READ) = -1 EINVAL (Invalid argument)
madvise(0x100008000, 0, MADV_POPULATE_READ) = 0
dump none
