# mlock of the middle of an anonymous VMA splits it in three (VM_LOCKED
# differs, mlock_fixup -> vma_modify_flags) and populates the locked part
# with write faults; locking the neighbouring pages merges them into the
# locked VMA; munlock of everything merges the whole range back.
window 0xf0000000 0x140000000
mmap(0x100000000, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mlock(0x100004000, 8192) = 0
dump middle-locked
mlock(0x100006000, 8192) = 0
dump extended-right
mlock(0x100002000, 8192) = 0
dump extended-left
munlock(0x100000000, 65536) = 0
dump all-unlocked
