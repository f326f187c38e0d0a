# mprotect that makes a locked private VMA writable populates it for
# writing at once (mprotect_fixup breaks COW so that no later write
# faults): read-only zero-page entries become private pages.  Shared and
# unlocked VMAs are not populated.
window 0xf0000000 0x140000000
file f 65536
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 32768, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_LOCKED, -1, 0) = 0x100000000
dump read-only-locked
mprotect(0x100002000, 8192, PROT_READ|PROT_WRITE) = 0
dump part-writable
mmap(0x100010000, 32768, PROT_READ, MAP_PRIVATE|MAP_FIXED|MAP_LOCKED, 3, 0) = 0x100010000
mprotect(0x100010000, 32768, PROT_READ|PROT_WRITE) = 0
dump private-file-writable
mmap(0x100020000, 32768, PROT_READ, MAP_SHARED|MAP_FIXED|MAP_LOCKED, 3, 0) = 0x100020000
mprotect(0x100020000, 32768, PROT_READ|PROT_WRITE) = 0
dump shared-file-writable
mmap(0x100030000, 32768, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100030000
mprotect(0x100030000, 32768, PROT_READ|PROT_WRITE) = 0
dump unlocked-writable
