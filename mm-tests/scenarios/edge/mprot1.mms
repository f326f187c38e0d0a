window 0x100000000 0x140000000
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
mmap(0x100006000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100006000
# hole between: A changed, B not?
mprotect(0x100002000, 0x8000, PROT_READ) = -1 ENOMEM
dump hole
# start in a gap
mprotect(0x100005000, 0x2000, PROT_READ) = -1 ENOMEM
dump start-in-gap
mprotect(0x100000001, 0, PROT_READ) = -1 EINVAL
mprotect(0x110000000, 0, PROT_READ) = 0
mprotect(0x100000000, 0xfffffffffffff000, PROT_READ) = -1 ENOMEM
mprotect(0x100000000, 0xffffffffffffffff, PROT_READ) = -1 ENOMEM
mprotect(0x110000000, 4096, PROT_READ) = -1 ENOMEM
# range ends past last VMA
mprotect(0x100006000, 0x10000, PROT_READ) = -1 ENOMEM
dump past-end
# unaligned len rounds up
mprotect(0x100000000, 1, PROT_NONE) = 0
dump len1
