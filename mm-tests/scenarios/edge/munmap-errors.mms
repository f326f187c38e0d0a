# munmap argument checks (do_vmi_munmap): start unaligned, start > TASK_SIZE,
# len > TASK_SIZE - start -> EINVAL; PAGE_ALIGN(len) == 0 -> EINVAL.
# Unmapping nothing (hole, or range spanning holes) is success; partial
# overlaps split the first/last VMA.
window 0x100000000 0x140000000
munmap(0x100000000, 0) = -1 EINVAL (Invalid argument)
munmap(0x100000001, 0) = -1 EINVAL (Invalid argument)
munmap(0x100000001, 4096) = -1 EINVAL (Invalid argument)
munmap(0x800000000000, 4096) = -1 EINVAL (Invalid argument)
munmap(0x7ffffffff000, 4096) = -1 EINVAL (Invalid argument)
munmap(0x7ffffffff000, 0) = -1 EINVAL (Invalid argument)
munmap(0x100000000, 0x7fff00000000) = -1 EINVAL (Invalid argument)
munmap(0x100000000, 0xfffffffffffff000) = -1 EINVAL (Invalid argument)
munmap(0x100000000, 1) = 0
munmap(0, 4096) = 0
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100006000, 16384, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100006000
mmap(0x10000c000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x10000c000
# len is rounded up to pages: 0x4001 -> 0x5000; covers tail of VMA1, the hole, head of VMA2
munmap(0x100003000, 0x4001) = 0
dump partial
# one range over several VMAs and holes
munmap(0x100001000, 0xd000) = 0
dump multi
