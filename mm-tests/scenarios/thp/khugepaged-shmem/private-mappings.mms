# khugepaged scans MAP_PRIVATE mappings of a tmpfs file too: the first
# (written: a private copy and an anon_vma) has its block collapsed in the
# page cache but keeps its page table, so its next read maps the new
# folio's page by a 4 KiB entry; the second (only read) has its table
# retracted, and its next read maps the folio with one read-only PMD.
machine tmpfs_huge=advise
window 0x100000000 0x101000000
file f 0x400000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
mmap(0x100400000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 3, 0x200000) = 0x100400000
store 0x100000000 1 0x55
load 0x100010000
load 0x100400000
madvise(0x100000000, 0x200000, MADV_HUGEPAGE) = 0
madvise(0x100400000, 0x200000, MADV_HUGEPAGE) = 0
dump smaps before
khugepaged
dump smaps after
load 0x100000000 0x2000
load 0x100100000
load 0x100401000
dump smaps faulted
