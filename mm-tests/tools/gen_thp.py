#!/usr/bin/env python3
"""Random scenarios around transparent huge pages (scenario format v1.6),
for mm-tests/scenarios-pending/thp/generated.

Usage: gen_thp.py SEED [--ops N] > gen-thp-SEED.mms

Every mapping is MAP_FIXED inside a 16 MiB window at 0x100000000 (eight
2 MiB blocks), mostly whole 2 MiB-aligned blocks, some starting or ending
inside one, so no address depends on the runner's layout.  The calls mix
MADV_HUGEPAGE / MADV_NOHUGEPAGE / MADV_COLLAPSE (also as numbers) over
block and page ranges with what maps, splits, moves, copies or drops huge
pages: write and read faults (the huge zero page), MADV_POPULATE_READ /
WRITE, mlock, partial and whole munmap, mprotect, mremap to aligned and
unaligned places, MADV_DONTNEED, MADV_FREE, MADV_COLD, MADV_PAGEOUT,
fork with writes in parent and child, and `dump smaps` (AnonHugePages,
the huge and huge_zero lines).  Record the expected output of each with
mm-tests/tools/record_repeat.py (five runs of `mmsim real` that agree).
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
HUGE = 2 << 20
BASE = 0x100000000
NBLOCKS = 8
END = BASE + NBLOCKS * HUGE

out = ["window 0x%x 0x%x" % (BASE, END)]
procs = [0]
nprocs = 1
cur = 0

ADVICE = ["MADV_HUGEPAGE"] * 6 + ["MADV_NOHUGEPAGE"] * 2 + ["MADV_COLLAPSE"] * 3 + [
    "MADV_DONTNEED", "MADV_DONTNEED", "MADV_FREE", "MADV_COLD", "MADV_PAGEOUT", "MADV_POPULATE_WRITE",
    "MADV_POPULATE_READ", "14", "15", "25", "MADV_DONTFORK", "MADV_WIPEONFORK"]


def block():
    return BASE + r.randrange(NBLOCKS) * HUGE


def rng():
    """A range: whole blocks, a part of one, or one crossing a boundary."""
    x = r.random()
    if x < 0.45:
        a = r.randrange(NBLOCKS)
        n = r.randint(1, min(3, NBLOCKS - a))
        return BASE + a * HUGE, n * HUGE
    if x < 0.8:
        a = block() + r.randrange(512) * P
        n = r.choice([1, 1, 2, 16, 64, r.randrange(1, 512)])
        return a, min(n * P, END - a)
    a = block() + r.randrange(256, 512) * P
    n = r.randrange(1, 1024)
    return a, min(n * P, END - a)


def addr():
    """An address to touch: the start of a block, or any page."""
    if r.random() < 0.4:
        return block()
    return block() + r.randrange(512) * P


def mmap_line():
    if r.random() < 0.75:
        a = r.randrange(NBLOCKS)
        n = r.randint(1, min(3, NBLOCKS - a))
        start, ln = BASE + a * HUGE, n * HUGE
    else:
        start, ln = rng()
    how = "MAP_PRIVATE|MAP_ANONYMOUS" if r.random() < 0.9 else "MAP_SHARED|MAP_ANONYMOUS"
    if r.random() < 0.05:
        how += "|MAP_POPULATE"
    return "mmap(0x%x, 0x%x, PROT_READ|PROT_WRITE, %s|MAP_FIXED, -1, 0)" % (start, ln, how)


# Start with most of the window mapped and advised.
out.append("mmap(0x%x, 0x%x, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)" % (BASE, 6 * HUGE))
out.append("madvise(0x%x, 0x%x, MADV_HUGEPAGE)" % (BASE, 4 * HUGE))

n = 0
while n < nops:
    x = r.random()
    if x < 0.08:
        out.append(mmap_line())
    elif x < 0.36:
        a, l = rng()
        out.append("madvise(0x%x, 0x%x, %s)" % (a, l, r.choice(ADVICE)))
    elif x < 0.62:
        a = addr()
        if r.random() < 0.35:
            l = r.choice([P, 2 * P, 64 * P, HUGE])
            l = min(l, END - a)
            out.append("load 0x%x 0x%x" % (a, l))
        else:
            l = r.choice([1, 1, 1, P, 16 * P])
            out.append("store 0x%x 0x%x %d" % (a, l, r.randrange(256)))
    elif x < 0.68:
        a, l = rng()
        out.append("mprotect(0x%x, 0x%x, %s)" % (a, l, r.choice(["PROT_READ", "PROT_READ|PROT_WRITE", "PROT_NONE"])))
    elif x < 0.74:
        a, l = rng()
        if r.random() < 0.5:
            b = block()
        else:
            b = block() + r.randrange(1, 512) * P
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
print("# generated: gen_thp.py %d --ops %d" % (seed, nops))
print("\n".join(out))
