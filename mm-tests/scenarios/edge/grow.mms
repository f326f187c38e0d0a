# in-place growth merges with an adjacent compatible next VMA
window 0x100000000 0x140000000
mmap(0x100000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 16384
mmap(0x100008000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100008000
mremap(0x100000000, 16384, 32768, 0) = 0x100000000
dump grown-unfaulted-next
# next faulted -> has its own anon_vma
mmap(0x100100000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100100000
store 0x100100000 16384
mmap(0x100108000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100108000
store 0x100108000
mremap(0x100100000, 16384, 32768, 0) = 0x100100000
dump grown-faulted-next
# growth of a non-tail range: no MAYMOVE -> ENOMEM even if space after VMA
mmap(0x100200000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100200000
mremap(0x100200000, 8192, 12288, 0) = -1 ENOMEM
# range to tail of VMA but starting mid-VMA: grows in place
mremap(0x100202000, 8192, 16384, 0) = 0x100202000
dump grew-from-middle
# old range beyond VMA end (spans into gap): EFAULT for expand
mremap(0x100200000, 0x10000, 0x20000, 0) = -1 EFAULT
# same-size with range spanning beyond VMA: no-op success
mremap(0x100200000, 0x10000, 0x10000, 0) = 0x100200000
mremap(0x100200000, 0x10000, 0x10000, MREMAP_MAYMOVE) = 0x100200000
# shrink with range spanning beyond VMA and a gap: success, unmaps everything after new_len
mmap(0x100300000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100300000
mmap(0x100306000, 16384, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100306000
mremap(0x100300000, 0x8000, 0x2000, 0) = 0x100300000
dump shrink-across
