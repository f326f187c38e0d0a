#!/usr/bin/env python3
"""Random scenarios around anonymous mTHP, large folios below 2 MiB mapped
by PTEs (scenario format v1.6), for mm-tests/scenarios/thp/mthp/generated.

Usage: gen_mthp.py SEED [--ops N] > gen-mthp-SEED.mms

A `machine` line sets some of the sizes 16 kB to 1024 kB to `always`,
`madvise` or `inherit` (the global `thp_enabled` is `madvise`, `always` or
`never`; the PMD size is mostly `never`, so that khugepaged has nothing to
collapse while a case runs).  Every mapping is MAP_FIXED inside a 4 MiB
window at 0x100000000, at 4 kB to 256 kB granularity, so that VMAs cover
some folio sizes whole and others in part.  The calls mix write and read
faults, MADV_HUGEPAGE / MADV_NOHUGEPAGE, MADV_DONTNEED, MADV_FREE,
MADV_COLD, MADV_PAGEOUT, MADV_POPULATE_WRITE, mlock, partial and whole
munmap, mprotect, mremap, fork with writes in parent and child, and `dump
smaps`.  Record the expected output of each with
`mm-tests/tools/record_repeat.py --change-host-settings` (five runs of
`mmsim real` that agree).
"""
import random
import sys

args = sys.argv[1:]
seed = int(args[0])
nops = 30
if "--ops" in args:
    nops = int(args[args.index("--ops") + 1])
r = random.Random(seed)
P = 4096
BASE = 0x100000000
SPAN = 4 << 20
END = BASE + SPAN
SIZES = ["16k", "32k", "64k", "128k", "256k", "512k", "1024k"]

out = []
chosen = r.sample(SIZES, r.randint(1, 3))
out.append("machine thp_enabled=%s" % r.choice(["madvise", "madvise", "always", "never"]))
out.append("machine thp_enabled_2048k=%s" % ("never" if r.random() < 0.85 else "inherit"))
for s in sorted(chosen, key=SIZES.index):
    out.append("machine thp_enabled_%s=%s" % (s, r.choice(["always", "always", "madvise", "inherit"])))
out.append("window 0x%x 0x%x" % (BASE, END))
procs = [0]
nprocs = 1
cur = 0

ADVICE = ["MADV_HUGEPAGE"] * 3 + ["MADV_NOHUGEPAGE", "MADV_DONTNEED", "MADV_DONTNEED", "MADV_FREE", "MADV_COLD",
                                  "MADV_PAGEOUT", "MADV_PAGEOUT", "MADV_POPULATE_WRITE"]


def gran():
    return r.choice([P, 4 * P, 16 * P, 16 * P, 64 * P])


def rng():
    """A range at some granularity, inside the window."""
    g = gran()
    a = BASE + r.randrange(SPAN // g) * g
    if r.random() < 0.3:
        a += r.randrange(1, 16) * P
    n = r.choice([1, 1, 2, 3, 4, 8]) * g
    if r.random() < 0.2:
        n = r.randrange(1, 40) * P
    return a, max(P, min(n, END - a))


def addr():
    g = r.choice([P, 16 * P, 64 * P])
    return BASE + r.randrange(SPAN // g) * g + (r.randrange(16) * P if r.random() < 0.3 else 0)


def mmap_line():
    a, l = rng()
    how = "MAP_PRIVATE|MAP_ANONYMOUS" if r.random() < 0.93 else "MAP_SHARED|MAP_ANONYMOUS"
    if r.random() < 0.05:
        how += "|MAP_POPULATE"
    return "mmap(0x%x, 0x%x, PROT_READ|PROT_WRITE, %s|MAP_FIXED, -1, 0)" % (a, l, how)


# Most of the window mapped, part of it advised.
out.append("mmap(0x%x, 0x%x, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)" % (BASE, 3 << 20))
if r.random() < 0.6:
    a, l = rng()
    out.append("madvise(0x%x, 0x%x, MADV_HUGEPAGE)" % (a, l))

n = 0
while n < nops:
    x = r.random()
    if x < 0.08:
        out.append(mmap_line())
    elif x < 0.30:
        a, l = rng()
        out.append("madvise(0x%x, 0x%x, %s)" % (a, l, r.choice(ADVICE)))
    elif x < 0.62:
        a = addr()
        if r.random() < 0.25:
            out.append("load 0x%x 0x%x" % (a, min(r.choice([P, 2 * P, 16 * P]), END - a)))
        else:
            l = r.choice([1, 1, 1, P, 8 * P])
            out.append("store 0x%x 0x%x %d" % (a, min(l, END - a), r.randrange(256)))
    elif x < 0.68:
        a, l = rng()
        out.append("mprotect(0x%x, 0x%x, %s)" % (a, l, r.choice(["PROT_READ", "PROT_READ|PROT_WRITE", "PROT_NONE"])))
    elif x < 0.73:
        a, l = rng()
        b = BASE + r.randrange(SPAN // (16 * P)) * 16 * P + (r.randrange(16) * P if r.random() < 0.4 else 0)
        b = min(b, END - l)
        out.append("mremap(0x%x, 0x%x, 0x%x, MREMAP_MAYMOVE|MREMAP_FIXED, 0x%x)" % (a, l, l, b))
    elif x < 0.79:
        a, l = rng()
        out.append("munmap(0x%x, 0x%x)" % (a, l))
    elif x < 0.82:
        a, l = rng()
        out.append(r.choice(["mlock(0x%x, 0x%x)" % (a, l), "munlock(0x%x, 0x%x)" % (a, l)]))
    elif x < 0.86 and nprocs < 4:
        out.append("fork")
        procs.append(nprocs)
        nprocs += 1
    elif x < 0.9 and len(procs) > 1:
        k = r.choice([p for p in procs if p != cur])
        out.append("process %d" % k)
        cur = k
    elif x < 0.92 and len(procs) > 1:
        out.append("exit")
        procs.remove(cur)
        cur = min(procs)
    else:
        out.append("dump smaps")
    n += 1
out.append("dump smaps")
print("# generated: gen_mthp.py %d --ops %d" % (seed, nops))
print("\n".join(out))
