# Ported from LTP testcases/kernel/syscalls/mremap/mremap05.c, the five
# cases in order, with the addresses the kernel chooses (get_test_area)
# named.
# mremap with MREMAP_FIXED: without MREMAP_MAYMOVE EINVAL; a new address
# not page aligned EINVAL; a new range overlapping the old one EINVAL; a
# move to a free range returns it and carries the data; a move onto an
# existing mapping replaces it.
window 0x100000000 0x101000000
mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, 0, 0) = $old0
mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, 0, 0) = $new0
munmap($new0, 4096) = 0
mremap($old0, 4096, 4096, MREMAP_FIXED, $new0) = -1 EINVAL (Invalid argument)
munmap($old0, 4096) = 0
mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, 0, 0) = $old1
mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, 0, 0) = $new1
munmap($new1, 8192) = 0
mremap($old1, 4096, 4096, MREMAP_FIXED|MREMAP_MAYMOVE, $new1+1) = -1 EINVAL (Invalid argument)
munmap($old1, 4096) = 0
mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, 0, 0) = $old2
mremap($old2, 8192, 4096, MREMAP_FIXED|MREMAP_MAYMOVE, $old2) = -1 EINVAL (Invalid argument)
munmap($old2, 8192) = 0
mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, 0, 0) = $old3
mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, 0, 0) = $new3
munmap($new3, 4096) = 0
store $old3 1 0x01
mremap($old3, 4096, 4096, MREMAP_FIXED|MREMAP_MAYMOVE, $new3) = $new3
load $new3
dump moved
munmap($new3, 4096) = 0
mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, 0, 0) = $old4
mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, 0, 0) = $new4
store $old4 1 0x01
store $new4 1 0x02
mremap($old4, 4096, 4096, MREMAP_FIXED|MREMAP_MAYMOVE, $new4) = $new4
load $new4
load $old4
dump replaced
munmap($new4, 4096) = 0
dump
