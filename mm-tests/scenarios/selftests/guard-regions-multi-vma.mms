# selftests/mm/guard-regions.c, multi_vma: guard install over a range
# of three VMAs with holes fails with ENOMEM but installs in the VMAs it
# reaches; MADV_GUARD_REMOVE over the same range also fails with ENOMEM.
window 0x100000000 0x100100000
mmap(0x100000000, 0x2000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100003000, 0x2000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100003000
mmap(0x100006000, 0x2000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100006000
madvise(0x100000000, 0x8000, MADV_GUARD_INSTALL) = -1 ENOMEM (Cannot allocate memory)
load 0x100000000
load 0x100003000
load 0x100007000
dump installed
madvise(0x100000000, 0x8000, MADV_GUARD_REMOVE) = -1 ENOMEM (Cannot allocate memory)
load 0x100000000
load 0x100007000
dump removed
