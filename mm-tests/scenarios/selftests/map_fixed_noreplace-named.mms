# Ported from tools/testing/selftests/mm/map_fixed_noreplace.c, main(),
# with the base address the kernel chooses (find_base_addr), named $base.
# MAP_FIXED_NOREPLACE maps free space, fails with EEXIST over any part of
# an existing mapping, and maps right next to one.
window 0x100000000 0x101000000
mmap(NULL, 20480, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $base
munmap($base, 20480) = 0
mmap($base, 20480, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = $base
munmap($base, 20480) = 0
mmap($base+0x1000, 12288, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = $base+0x1000
mmap($base, 20480, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = -1 EEXIST (File exists)
mmap($base+0x2000, 4096, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = -1 EEXIST (File exists)
mmap($base+0x3000, 8192, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = -1 EEXIST (File exists)
mmap($base, 8192, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = -1 EEXIST (File exists)
mmap($base, 4096, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = $base
mmap($base+0x4000, 4096, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = $base+0x4000
dump mapped
munmap($base, 20480) = 0
dump unmapped
