# Ported from LTP testcases/kernel/syscalls/mprotect/mprotect04.c (testfunc_protnone).
# PROT_NONE on an anonymous mapping: every access is SIGSEGV; PROT_READ
# then allows reads only.
window 0x100000000 0x101000000
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 8192 0x44
mprotect(0x100000000, 8192, PROT_NONE) = 0
load 0x100000000
store 0x100000000 1 0x78
mprotect(0x100000000, 8192, PROT_READ) = 0
load 0x100000000 8192
store 0x100001000 1 0x78
dump
