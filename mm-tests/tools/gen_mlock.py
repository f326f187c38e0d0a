#!/usr/bin/env python3
"""Random scenarios of memory locking, population and residency, for
mm-tests/scenarios/mlock.

Usage: gen_mlock.py SEED NOPS > gen-N.mms
       gen_mlock.py --random-test SEED > mlock-random-test-SEED.mms

Every scenario works in a window of 64 pages at 0x100000000 with one file
(its size not always a whole number of pages, so that some mapped pages
lie past its end), mapped there to begin with (anonymous, private file and
shared file mappings side by side), then: fixed anonymous and file mappings (private and shared,
some MAP_LOCKED or MAP_POPULATE) and mlock, mlock2, munlock, mlockall,
munlockall, MADV_POPULATE_READ/WRITE and mincore over ranges that start
and end anywhere (unaligned, across holes and mapping edges), mixed with
mprotect, munmap, mremap in place or to a fixed address, other advice,
loads, stores and, now and then, a fork and a switch of process.  Record
the expected output of each with the real-kernel runner before
committing it; gen-N.mms is `gen_mlock.py N $((20 + N % 40))`.

With --random-test it writes instead a port of the kernel selftest
mlock-random-test.c for mm-tests/scenarios/selftests (see random_test).
"""
import random, sys


def random_test(seed):
    """selftests/mm/mlock-random-test.c, test_mlock_within_limit: 100
    mlock or mlock2(MLOCK_ONFAULT) calls of random ranges (any length,
    any byte offset) inside a malloc'd buffer of 128 KiB (a chunk mapped
    for it, the buffer 16 bytes in), then munlock of the buffer and free.
    The test reads VmLck at the end; here dumps with smaps show the
    locked VMAs as they split and merge.  (test_mlock_outof_limit needs
    RLIMIT_MEMLOCK without CAP_IPC_LOCK, which scenarios cannot say.)"""
    r = random.Random(seed)
    base, alloc = 0x100000000, 128 * 1024
    p = base + 0x10
    out = ["# Ported from tools/testing/selftests/mm/mlock-random-test.c,",
           "# test_mlock_within_limit, with the sequence of seed %d of" % seed,
           "# mm-tests/tools/gen_mlock.py --random-test: 100 mlock or",
           "# mlock2(MLOCK_ONFAULT) calls of random ranges of a malloc'd buffer",
           "# of 128 KiB (16 bytes into a mapped chunk) all succeed; the dumps",
           "# show the locked parts (Locked) and the VMAs they split into.",
           "window 0x100000000 0x101000000",
           "mmap(%#x, %d, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = %#x"
           % (base, alloc + 0x1000, base)]
    for i in range(100):
        is_mlock = r.random() < 0.5
        lock_size = r.randrange(alloc)
        start_offset = r.randrange(alloc - lock_size)
        if is_mlock:
            out.append("mlock(%#x, %d) = 0" % (p + start_offset, lock_size))
        else:
            out.append("mlock2(%#x, %d, MLOCK_ONFAULT) = 0" % (p + start_offset, lock_size))
        if i % 25 == 24:
            out.append("dump smaps after-%d" % (i + 1))
    out.append("munlock(%#x, %d) = 0" % (p, alloc))
    out.append("dump smaps unlocked")
    out.append("munmap(%#x, %d) = 0" % (base, alloc + 0x1000))
    print("\n".join(out))


if sys.argv[1] == "--random-test":
    random_test(int(sys.argv[2]))
    sys.exit(0)
seed = int(sys.argv[1]); nops = int(sys.argv[2])
r = random.Random(seed)
B = 0x100000000
P = 4096
NPAGES = 64
fsize = r.choice([16, 20, 24, 32]) * P - r.choice([0, 0, 100, 2000])
out = ["window %#x %#x" % (B - 16 * P, B + (NPAGES + 16) * P),
       "file f %d" % fsize,
       'openat(AT_FDCWD, "f", O_RDWR) = 3']
# Three mappings fill most of the window to begin with, so that most
# ranges land on something.
out.append("mmap(%#x, %d, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)" % (B, 24 * P))
out.append("mmap(%#x, %d, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 3, 0)" % (B + 24 * P, 16 * P))
out.append("mmap(%#x, %d, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, %d)" % (B + 40 * P, 16 * P, 4 * P))
procs = 1
live = [0]
def a(page): return B + page * P
def rng():
    """A range: start page, length in pages, and sometimes a byte offset."""
    p = r.randint(-2, NPAGES - 4); n = r.randint(0, 12)
    start = a(p)
    ln = n * P
    if r.random() < 0.15:
        start += r.choice([1, 100, 4095])
    if r.random() < 0.15:
        ln += r.choice([1, 2000, -1]) if ln > 0 else 1
    return start, ln
for i in range(nops):
    x = r.random()
    if x < 0.20:
        p = r.randint(0, NPAGES - 2); n = r.randint(1, 10)
        prot = r.choice(["PROT_READ|PROT_WRITE"] * 4 + ["PROT_READ", "PROT_NONE", "PROT_WRITE"])
        kind = r.random()
        extra = r.choice([""] * 4 + ["|MAP_LOCKED", "|MAP_POPULATE"])
        if kind < 0.5:
            out.append("mmap(%#x, %d, %s, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED%s, -1, 0)" % (a(p), n * P, prot, extra))
        else:
            share = r.choice(["MAP_PRIVATE", "MAP_SHARED"])
            off = r.randint(0, 8) * P
            out.append("mmap(%#x, %d, %s, %s|MAP_FIXED%s, 3, %d)" % (a(p), n * P, prot, share, extra, off))
    elif x < 0.34:
        s, ln = rng()
        c = r.random()
        if c < 0.5:
            out.append("mlock(%#x, %d)" % (s, ln))
        elif c < 0.75:
            out.append("mlock2(%#x, %d, %s)" % (s, ln, r.choice(["0", "MLOCK_ONFAULT", "MLOCK_ONFAULT", "2"])))
        else:
            out.append("munlock(%#x, %d)" % (s, ln))
    elif x < 0.38:
        if r.random() < 0.6:
            out.append("mlockall(%s)" % r.choice(["MCL_CURRENT", "MCL_FUTURE", "MCL_CURRENT|MCL_FUTURE",
                                                    "MCL_CURRENT|MCL_ONFAULT", "MCL_FUTURE|MCL_ONFAULT",
                                                    "MCL_ONFAULT", "0", "8"]))
        else:
            out.append("munlockall()")
    elif x < 0.48:
        s, ln = rng()
        adv = r.choice(["MADV_POPULATE_READ", "MADV_POPULATE_WRITE"] * 3 + ["MADV_DONTNEED", "MADV_PAGEOUT", "MADV_FREE"])
        out.append("madvise(%#x, %d, %s)" % (s, ln, adv))
    elif x < 0.56:
        s, ln = rng()
        if r.random() < 0.8:
            s &= ~(P - 1)
        out.append("mincore(%#x, %d, VEC)" % (s, ln))
    elif x < 0.62:
        p = r.randint(-2, NPAGES); n = r.randint(1, 8)
        out.append("mprotect(%#x, %d, %s)" % (a(p), n * P, r.choice(["PROT_READ", "PROT_READ|PROT_WRITE", "PROT_NONE"])))
    elif x < 0.66:
        p = r.randint(-2, NPAGES); n = r.randint(1, 6)
        out.append("munmap(%#x, %d)" % (a(p), n * P))
    elif x < 0.70:
        p = r.randint(0, NPAGES - 4); o = r.randint(1, 4); n = r.randint(1, 8)
        if r.random() < 0.5:
            out.append("mremap(%#x, %d, %d, 0)" % (a(p), o * P, n * P))
        else:
            out.append("mremap(%#x, %d, %d, MREMAP_MAYMOVE|MREMAP_FIXED, %#x)" % (a(p), o * P, n * P, a(r.randint(0, NPAGES - 8))))
    elif x < 0.82:
        p = r.randint(-1, NPAGES); n = r.randint(1, 6)
        out.append("store %#x %d %#x" % (a(p), n * P, r.randint(1, 255)))
    elif x < 0.92:
        p = r.randint(-1, NPAGES); n = r.randint(1, 6)
        out.append("load %#x %d" % (a(p), n * P))
    elif x < 0.95 and procs < 3:
        out.append("fork")
        live.append(procs)
        procs += 1
    elif procs > 1:
        out.append("process %d" % r.choice(live))
    if r.random() < 0.2:
        out.append("dump d%d" % i)
out.append("dump final")
print("\n".join(out))
