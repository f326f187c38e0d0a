#!/usr/bin/env python3
"""Random scenarios around the program break, for mm-tests/scenarios/brk.

Usage: gen_brk.py SEED NOPS > brk-N.mms

Every scenario works in a window around the break's start (0x200000000,
where the real-kernel runner places it): brk calls that grow, shrink and
misalign the break, and fixed mappings, munmap, mprotect, mremap and
madvise calls that land on, next to and inside the heap, so that the
rules of `brk` (the gap check against the next mapping, merging with the
heap VMA, the [heap] label) meet everything else.  Record the expected
output of each with the real-kernel runner before committing it;
brk-N.mms is `gen_brk.py N $((20 + N % 40))`.
"""
import random, sys
seed = int(sys.argv[1]); nops = int(sys.argv[2])
r = random.Random(seed)
B = 0x200000000
P = 4096
out = ["window 0x1ff000000 0x201000000"]
def a(page): return B + page * P
for i in range(nops):
    x = r.random()
    if x < 0.30:
        v = B + r.randint(-2, 40) * P + r.choice([0, 0, 0, 1, 100, 4095])
        if r.random() < 0.1: v = 0
        out.append("brk(%s)" % ("NULL" if v == 0 else hex(v)))
    elif x < 0.45:
        p = r.randint(-4, 44); n = r.randint(1, 6)
        prot = r.choice(["PROT_READ|PROT_WRITE"]*4 + ["PROT_READ", "PROT_NONE"])
        fl = r.choice(["MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED"]*3 + ["MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE", "MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_NORESERVE"])
        out.append("mmap(%s, %d, %s, %s, -1, 0)" % (hex(a(p)), n * P, prot, fl))
    elif x < 0.55:
        p = r.randint(-2, 42); n = r.randint(1, 8)
        out.append("munmap(%s, %d)" % (hex(a(p)), n * P))
    elif x < 0.65:
        p = r.randint(-2, 42); n = r.randint(1, 6)
        out.append("mprotect(%s, %d, %s)" % (hex(a(p)), n * P, r.choice(["PROT_READ", "PROT_READ|PROT_WRITE", "PROT_NONE"])))
    elif x < 0.72:
        p = r.randint(0, 30); o = r.randint(1, 6); n = r.randint(1, 8)
        if r.random() < 0.5:
            out.append("mremap(%s, %d, %d, 0)" % (hex(a(p)), o * P, n * P))
        else:
            out.append("mremap(%s, %d, %d, MREMAP_MAYMOVE|MREMAP_FIXED, %s)" % (hex(a(p)), o * P, o * P, hex(a(r.randint(-8, 48)))))
    elif x < 0.77:
        p = r.randint(-2, 40); n = r.randint(1, 6)
        out.append("madvise(%s, %d, %s)" % (hex(a(p)), n * P, r.choice(["MADV_DONTNEED", "MADV_FREE", "MADV_PAGEOUT", "MADV_RANDOM", "MADV_NORMAL"])))
    elif x < 0.90:
        p = r.randint(-2, 40); n = r.randint(1, 6)
        out.append("store %s %d %s" % (hex(a(p)), n * P, hex(r.randint(1, 255))))
    else:
        p = r.randint(-2, 40); n = r.randint(1, 6)
        out.append("load %s %d" % (hex(a(p)), n * P))
    if r.random() < 0.15:
        out.append("dump d%d" % i)
out.append("dump final")
print("\n".join(out))
