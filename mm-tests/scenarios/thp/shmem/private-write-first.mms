# tmpfs huge=always, MAP_PRIVATE: a first write copies one page (no PMD); the rest of the block then maps by fault-around.
machine tmpfs_huge=always
window 0x100000000 0x101000000
file f 0x200000
openat(AT_FDCWD, "f", O_RDONLY) = 3
mmap(0x100000000, 0x200000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
store 0x100005000 1 0x44
dump smaps write
load 0x100000000
load 0x100010000
dump smaps reads
