#!/usr/bin/env python3
"""Random scenarios with names for kernel-chosen addresses (scenario format
v1.4), for mm-tests/scenarios/names.

Usage: gen_names.py SEED NOPS > gen-N.mms

A 16 MiB PROT_NONE mapping ($top) keeps the lines away from the area
above the first kernel-chosen address, which belongs to the runners.
Every NULL-hint mmap and every MREMAP_MAYMOVE result is bound to a new name
($m0, $m1, ...); later lines munmap, mprotect, madvise, mremap, msync,
load and store at names plus page offsets (inside, across and just past
the named regions), map MAP_FIXED over them, and compare mremap results
with names (`= $m2`).  Some fork, and dumps are `dump` or `dump smaps`.
A few fixed mappings in the window keep the usual part of the dump busy.
Record the expected output of each with the real-kernel runner before
committing it; gen-N.mms is `gen_names.py N $((20 + N % 30))`.
"""
import random, sys
seed = int(sys.argv[1]); nops = int(sys.argv[2])
r = random.Random(seed)
P = 4096
W = 0x100000000
out = ["window 0x100000000 0x140000000", "file f 0x20000",
       'openat(AT_FDCWD, "f", O_RDWR) = 3',
       # room between the runners' own area and everything else ($top is
       # never used again: the lines reach at most a few MiB past a name)
       "mmap(NULL, 0x1000000, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0) = $top"]
names = []          # (name, pages)
procs = 1; cur = 0; live = {0}
def new_name(pages):
    n = "$m%d" % len(names)
    names.append((n, pages))
    return n
def ref():
    n, pages = r.choice(names)
    off = r.randint(-2, pages + 2)
    if off == 0: return n, pages
    return ("%s%s%#x" % (n, "+" if off > 0 else "-", abs(off) * P)), pages
def prot():
    return r.choice(["PROT_READ|PROT_WRITE"] * 4 + ["PROT_READ", "PROT_NONE"])
for i in range(nops):
    x = r.random()
    if x < 0.22 or not names:
        pages = r.choice([1, 2, 3, 4, 8, 16, 512, 1024])
        if r.random() < 0.25:
            fl = r.choice(["MAP_SHARED", "MAP_PRIVATE"])
            pages = min(pages, 32)
            out.append("mmap(NULL, %#x, %s, %s, 3, %#x) = %s" % (pages * P, prot(), fl, r.randint(0, 32 - pages) * P, new_name(pages)))
        else:
            fl = r.choice(["MAP_PRIVATE|MAP_ANONYMOUS"] * 4 + ["MAP_SHARED|MAP_ANONYMOUS", "MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE"])
            out.append("mmap(NULL, %#x, %s, %s, -1, 0) = %s" % (pages * P, prot(), fl, new_name(pages)))
    elif x < 0.30:
        a, _ = ref(); n = r.randint(1, 4)
        out.append("mmap(%s, %#x, %s, MAP_PRIVATE|MAP_ANONYMOUS|%s, -1, 0)" % (a, n * P, prot(), r.choice(["MAP_FIXED", "MAP_FIXED_NOREPLACE"])))
    elif x < 0.36:
        a, _ = ref(); n = r.randint(1, 6)
        out.append("munmap(%s, %#x)" % (a, n * P))
    elif x < 0.44:
        a, _ = ref(); n = r.randint(1, 6)
        out.append("mprotect(%s, %#x, %s)" % (a, n * P, prot()))
    elif x < 0.52:
        a, _ = ref(); n = r.randint(1, 6)
        out.append("madvise(%s, %#x, %s)" % (a, n * P, r.choice(["MADV_DONTNEED", "MADV_FREE", "MADV_WILLNEED", "MADV_RANDOM"])))
    elif x < 0.62:
        n, pages = r.choice(names); old = r.randint(1, pages); new = r.randint(1, pages + 4)
        y = r.random()
        if y < 0.5:
            out.append("mremap(%s, %#x, %#x, MREMAP_MAYMOVE) = %s" % (n, old * P, new * P, new_name(new)))
        elif y < 0.7:
            out.append("mremap(%s, %#x, %#x, 0) = %s" % (n, old * P, new * P, n))
        else:
            t, _ = ref()
            out.append("mremap(%s, %#x, %#x, MREMAP_MAYMOVE|MREMAP_FIXED, %s) = %s" % (n, old * P, old * P, t, t))
    elif x < 0.66:
        a, _ = ref()
        out.append("msync(%s, %#x, MS_SYNC)" % (a, r.randint(1, 4) * P))
    elif x < 0.80:
        a, _ = ref()
        out.append("store %s %#x %#x" % (a, r.randint(1, 6) * P, r.randint(1, 255)))
    elif x < 0.90:
        a, _ = ref()
        out.append("load %s %#x" % (a, r.randint(1, 6) * P))
    elif x < 0.94:
        p = r.randint(0, 16)
        out.append("mmap(%#x, %#x, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)" % (W + p * P, r.randint(1, 4) * P))
        out.append("store %#x" % (W + p * P))
    elif x < 0.97 and procs < 4:
        out.append("fork"); live.add(procs); procs += 1
    elif len(live) > 1:
        k = r.choice(sorted(live - {cur}))
        out.append("process %d" % k); cur = k
    if r.random() < 0.15:
        out.append("dump%s d%d" % (r.choice(["", " smaps"]), i))
out.append("dump smaps final")
print("\n".join(out))
