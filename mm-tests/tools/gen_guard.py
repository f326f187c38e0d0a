#!/usr/bin/env python3
"""Random scenarios around guard pages and the other v1.4 lines, for
mm-tests/scenarios/guard.

Usage: gen_guard.py SEED [--ops N] > gen-SEED.mms

Every mapping is MAP_FIXED inside a 1 MiB window at 0x100000000 (anonymous
private and shared, tmpfs files private and shared, droppable memory),
so no address depends on the runner's layout.  The calls mix
MADV_GUARD_INSTALL / MADV_GUARD_REMOVE over random page ranges with
what must keep, move, copy or drop the markers (MADV_DONTNEED, MADV_FREE,
mprotect, mremap with MREMAP_FIXED and MREMAP_DONTUNMAP, munmap, fork),
MADV_COLD, MADV_PAGEOUT, MADV_DONTDUMP / MADV_DODUMP (which split and
merge VMAs), MAP_SHARED_VALIDATE with known and unknown flags, and raw
numeric protections, flags and advice (valid values and values the kernel
refuses), with loads and stores to see where guard pages fault.  Record
the expected output of each with the real-kernel runner before
committing it.
"""
import random
import sys

args = sys.argv[1:]
seed = int(args[0])
nops = 40
if "--ops" in args:
    nops = int(args[args.index("--ops") + 1])
r = random.Random(seed)
P = 4096
BASE = 0x100000000
NPAGES = 256  # the window: 1 MiB
FILE_PAGES = 64

out = ["window 0x%x 0x%x" % (BASE, BASE + NPAGES * P), "file f %d" % (FILE_PAGES * P),
       'openat(AT_FDCWD, "f", O_RDWR) = 3']
procs = [0]          # live scenario processes
nprocs = 1
cur = 0

PROTS = ["PROT_READ|PROT_WRITE", "PROT_READ", "PROT_NONE", "0x3", "PROT_READ|0x8", "0x1"]
BAD_PROTS = ["0x10", "PROT_READ|0x1000000|0x2000000", "0x80000000", "PROT_READ|0x20"]
ANON = ["MAP_PRIVATE|MAP_ANONYMOUS", "MAP_SHARED|MAP_ANONYMOUS", "0x22", "MAP_PRIVATE|0x20",
        "0x8|MAP_ANONYMOUS", "MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE", "MAP_PRIVATE|MAP_ANONYMOUS|0x80000"]
FILEF = ["MAP_PRIVATE", "MAP_SHARED", "MAP_SHARED_VALIDATE", "0x1", "MAP_SHARED_VALIDATE|MAP_NORESERVE",
         "MAP_SHARED_VALIDATE|0x80000", "MAP_SHARED_VALIDATE|0x80000000", "MAP_PRIVATE|0x80000",
         "MAP_SHARED|0x80000000", "0x4", "0xa", "MAP_PRIVATE|0x40000"]
ADVICE = ["MADV_GUARD_INSTALL"] * 6 + ["MADV_GUARD_REMOVE"] * 3 + [
    "MADV_DONTNEED", "MADV_DONTNEED", "MADV_FREE", "MADV_COLD", "MADV_COLD", "MADV_PAGEOUT",
    "MADV_DONTDUMP", "MADV_DONTDUMP", "MADV_DODUMP", "MADV_DONTNEED_LOCKED", "MADV_WIPEONFORK",
    "MADV_KEEPONFORK", "MADV_DONTFORK", "MADV_DOFORK", "102", "103", "4", "20", "16", "17",
    "0x7f", "5", "7", "26", "100", "101", "104", "0xffffffff", "0x100000066"]


def page():
    return r.randrange(NPAGES)


def rng():
    """A page range inside the window, mostly short."""
    a = page()
    n = r.choice([1, 1, 2, 3, 4, 8, 16, r.randrange(1, 64)])
    n = min(n, NPAGES - a)
    return BASE + a * P, n * P


def mmap_line():
    a, l = rng()
    if r.random() < 0.55:
        prot = r.choice(PROTS) if r.random() < 0.9 else r.choice(BAD_PROTS)
        fl = r.choice(ANON)
        if r.random() < 0.1:
            fl += "|MAP_POPULATE"
        return "mmap(0x%x, 0x%x, %s, %s|MAP_FIXED, -1, 0)" % (a, l, prot, fl)
    l = min(l, (FILE_PAGES // 2) * P)
    off = r.randrange(FILE_PAGES // 2) * P
    prot = r.choice(["PROT_READ", "PROT_READ|PROT_WRITE", "0x1", "0x3"])
    fl = r.choice(FILEF)
    return "mmap(0x%x, 0x%x, %s, %s|MAP_FIXED, 3, 0x%x)" % (a, l, prot, fl, off)


# Start with the window full: one mapping of each kind.
for first, npages, prot, how in [
        (0, 64, "PROT_READ|PROT_WRITE", "MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0"),
        (64, 32, "PROT_READ|PROT_WRITE", "MAP_SHARED|MAP_FIXED, 3, 0"),
        (96, 64, "PROT_READ", "MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0"),
        (160, 32, "PROT_READ|PROT_WRITE", "0x8|MAP_ANONYMOUS|MAP_FIXED, -1, 0"),
        (192, 32, "PROT_READ|PROT_WRITE", "MAP_PRIVATE|MAP_FIXED, 3, 0x8000"),
        (224, 32, "PROT_READ|PROT_WRITE", "MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0")]:
    out.append("mmap(0x%x, 0x%x, %s, %s)" % (BASE + first * P, npages * P, prot, how))
out.append("madvise(0x%x, 0x%x, MADV_GUARD_INSTALL)" % (BASE + 4 * P, 2 * P))

n = 0
while n < nops:
    x = r.random()
    if x < 0.12:
        out.append(mmap_line())
    elif x < 0.42:
        a, l = rng()
        out.append("madvise(0x%x, 0x%x, %s)" % (a, l, r.choice(ADVICE)))
    elif x < 0.62:
        a, l = rng()
        if r.random() < 0.5:
            out.append("load 0x%x 0x%x" % (a, l))
        else:
            out.append("store 0x%x 0x%x %d" % (a, l, r.randrange(256)))
    elif x < 0.7:
        a, l = rng()
        prot = r.choice(PROTS) if r.random() < 0.85 else r.choice(BAD_PROTS)
        out.append("mprotect(0x%x, 0x%x, %s)" % (a, l, prot))
    elif x < 0.78:
        a, l = rng()
        b = BASE + page() * P
        if b + l > BASE + NPAGES * P:
            b = BASE + NPAGES * P - l
        fl = r.choice(["MREMAP_MAYMOVE|MREMAP_FIXED", "MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP",
                       "MREMAP_MAYMOVE|MREMAP_FIXED|0x8", "0x3"])
        out.append("mremap(0x%x, 0x%x, 0x%x, %s, 0x%x)" % (a, l, l, fl, b))
    elif x < 0.83:
        a, l = rng()
        out.append("munmap(0x%x, 0x%x)" % (a, l))
    elif x < 0.87 and nprocs < 6:
        out.append("fork")
        procs.append(nprocs)
        nprocs += 1
    elif x < 0.91 and len(procs) > 1:
        k = r.choice([p for p in procs if p != cur])
        out.append("process %d" % k)
        cur = k
    elif x < 0.93 and len(procs) > 1:
        out.append("exit")
        procs.remove(cur)
        cur = min(procs)
    else:
        out.append("dump")
    n += 1
out.append("dump")
print("# gen_guard.py %d --ops %d" % (seed, nops))
print("\n".join(out))
