# mlock of file mappings: a private read-only mapping and a shared one
# are populated with read faults (fault-around maps 16 cached pages per
# fault), a private writable one with a write fault per page (each page
# copied); pages past the end of the file cannot be populated, so mlock
# locks the VMA, populates what is before the end and returns ENOMEM.
window 0xf0000000 0x140000000
file f 40000
openat(AT_FDCWD, "f", O_RDWR) = 3
mmap(0x100000000, 40960, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000
mlock(0x100000000, 40960) = 0
dump private-ro
mmap(0x100010000, 40960, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100010000
mlock(0x100010000, 40960) = 0
dump shared
mmap(0x100020000, 40960, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100020000
mlock(0x100020000, 40960) = 0
dump private-rw
load 0x100020000 40960
mmap(0x100030000, 65536, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100030000
mlock(0x100030000, 65536) = -1 ENOMEM (Cannot allocate memory)
dump past-eof
mmap(0x100040000, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_LOCKED, 3, 0) = 0x100040000
dump map-locked-past-eof
