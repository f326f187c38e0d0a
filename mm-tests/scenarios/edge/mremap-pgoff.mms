# vm_pgoff of anonymous VMAs: addr>>12 at mmap time; kept by mremap for a
# faulted VMA (it has an anon_vma), reset to new_addr>>12 for an unfaulted one.
# Merging needs prev.pgoff + prev.pages == new.pgoff, so a moved faulted VMA
# does not merge with neighbours at its new place (invisible in maps: anon
# offsets print as 0).
window 0x100000000 0x140000000
# faulted X moved next to unfaulted Y: no merge
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 8192
mmap(0x100010000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100010000
mremap(0x100000000, 8192, 8192, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100011000) = 0x100011000
# a new mapping right after the moved X does not merge either
mmap(0x100013000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100013000
dump faulted-moved
# unfaulted Z moved next to unfaulted W: merges (pgoff reset)
mmap(0x100020000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100020000
mmap(0x100030000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100030000
mremap(0x100020000, 8192, 8192, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100031000) = 0x100031000
dump unfaulted-moved
# faulted X moved back to where its pgoff is linear again, next to a fresh
# mapping there: merges
mmap(0x100002000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100002000
mremap(0x100011000, 8192, 8192, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100000000) = 0x100000000
dump moved-back
