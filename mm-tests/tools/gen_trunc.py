#!/usr/bin/env python3
"""Random scenarios around cutting and growing mapped files, for
mm-tests/scenarios/trunc (the gen-N cases).

Usage: gen_trunc.py SEED NOPS [--own-buffers] > gen-N.mms

Two tmpfs files, each mapped shared and private, and an anonymous buffer;
then ftruncate (shrinking and growing, page-aligned or not), fallocate
(mostly FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, sometimes allocation or
a mode tmpfs refuses), MADV_REMOVE, read/write/pread64/pwrite64 whose
buffer is the anonymous one or a mapping of the *other* file (sometimes
running off its end into unmapped memory), loads and stores (SIGBUS past
the end), fork, and the odd munmap or mprotect.  A buffer never maps the
file the call reads or writes: where the two overlap in one page, the
bytes the kernel moves depend on the CPU's copy (see
docs/scenario-format.md).  With --own-buffers, half of those calls are
pread64/pwrite64 whose buffer maps the very file they read or write, in
pages the call does not touch (often past the file's end, which a
pwrite64 at or beyond that page first grows the file over).  Results are
not written (`= RET`): the output shows failures, and the loads show the
bytes.  Record the expected output of each with the real-kernel runner
before committing it; gen-N.mms is `gen_trunc.py N $((20 + N % 41))`,
and for N in 301..=340 `gen_trunc.py N $((20 + N % 41)) --own-buffers`.
"""
import random, sys

seed = int(sys.argv[1]); nops = int(sys.argv[2])
own = sys.argv[3:] == ["--own-buffers"]
if sys.argv[3:] and not own:
    sys.exit("usage: gen_trunc.py SEED NOPS [--own-buffers]")
r = random.Random(seed)
P = 4096
B = 0x100000000
NP = 16  # pages per mapping
A_SH0, A_PR0, A_SH1, A_PR1, A_ANON = (B + i * 0x20000 for i in range(5))
out = ["window 0x100000000 0x140000000"]


def size():
    return r.randint(0, 14) * P + r.choice([0, 0, 0, 1, 0x800, P - 1])


out.append("file f0 %#x" % max(1, size()))
out.append("file f1 %#x" % max(1, size()))
out.append('openat(AT_FDCWD, "f0", O_RDWR) = 3')
out.append('openat(AT_FDCWD, "f1", O_RDWR) = 4')
out.append('openat(AT_FDCWD, "f0", O_RDONLY) = 5')
out.append("mmap(%#x, %#x, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = %#x" % (A_SH0, NP * P, A_SH0))
out.append("mmap(%#x, %#x, PROT_READ|PROT_WRITE, MAP_PRIVATE, 3, 0) = %#x" % (A_PR0, NP * P, A_PR0))
out.append("mmap(%#x, %#x, PROT_READ|PROT_WRITE, MAP_SHARED, 4, 0) = %#x" % (A_SH1, NP * P, A_SH1))
out.append("mmap(%#x, %#x, PROT_READ, MAP_PRIVATE, 4, 0) = %#x" % (A_PR1, NP * P, A_PR1))
out.append("mmap(%#x, %#x, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %#x" % (A_ANON, NP * P, A_ANON))

MAPS = [A_SH0, A_PR0, A_SH1, A_PR1, A_ANON]
# The mappings a call on descriptor fd may take its buffer from.
BUFS = {3: [A_ANON, A_SH1, A_PR1], 4: [A_ANON, A_SH0, A_PR0], 5: [A_ANON, A_SH1, A_PR1]}
# (--own-buffers) The mappings of the file of descriptor fd itself.
OWN_BUFS = {3: [A_SH0, A_PR0], 4: [A_SH1, A_PR1], 5: [A_SH0, A_PR0]}


def pages(start, ln):
    """The pages [start, start + ln) touches (one for ln 0)."""
    return set(range(start // P, (start + max(ln, 1) - 1) // P + 1))


def own_buffer_call():
    """pread64/pwrite64 on a file with a buffer in a mapping of that file,
    in pages the call's file range does not touch."""
    call = r.choice(["pread64", "pwrite64", "pwrite64"])
    fd = r.choice([3, 4, 5])
    ln = r.randint(0, 3) * P + r.choice([0, 0x800, 0x10, 1])
    off = r.randint(0, 16) * P + r.choice([0, 0, 0x800, 7])
    o = r.choice([0, 0, 0x800, 0x123])
    free = [k for k in range(NP) if not pages(k * P + o, ln) & pages(off, ln)]
    base = r.choice(OWN_BUFS[fd])
    addr = base + r.choice(free) * P + o
    out.append("%s(%d, %#x, %#x, %#x)" % (call, fd, addr, ln, off))
    out.append("load %#x %#x" % (addr, min(ln, 3 * P)))
procs = 1
for i in range(nops):
    x = r.random()
    if x < 0.10:
        out.append("ftruncate(%d, %#x)" % (r.choice([3, 3, 4, 4, 5]), size()))
    elif x < 0.20:
        fd = r.choice([3, 4, 4, 5])
        mode = r.choice(["FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE"] * 6 + ["0", "FALLOC_FL_KEEP_SIZE", "FALLOC_FL_PUNCH_HOLE", "FALLOC_FL_ZERO_RANGE"])
        off = r.randint(0, 15) * P + r.choice([0, 0, 0x800, 1])
        ln = r.randint(0, 6) * P + r.choice([0, 0, 0x800, 1])
        out.append("fallocate(%d, %s, %#x, %#x)" % (fd, mode, off, max(ln, 1)))
    elif x < 0.28:
        base = r.choice([A_SH0, A_SH0, A_SH1, A_PR0, A_ANON])
        p = r.randint(0, NP - 1); n = r.randint(1, 5)
        out.append("madvise(%#x, %#x, MADV_REMOVE)" % (base + p * P, n * P))
    elif x < 0.52 and own and r.random() < 0.5:
        own_buffer_call()
    elif x < 0.52:
        call = r.choice(["read", "write", "pread64", "pwrite64"])
        fd = r.choice([3, 4, 5])
        base = r.choice(BUFS[fd])
        addr = base + r.randint(0, NP - 1) * P + r.choice([0, 0, 0x800, 0x123])
        ln = r.randint(0, 5) * P + r.choice([0, 0x800, 0x10, 1])
        if call.startswith("p"):
            off = r.randint(0, 16) * P + r.choice([0, 0, 0x800, 7])
            out.append("%s(%d, %#x, %#x, %#x)" % (call, fd, addr, ln, off))
        else:
            out.append("%s(%d, %#x, %#x)" % (call, fd, addr, ln))
        if "read" in call:
            out.append("load %#x %#x" % (addr, min(ln, 3 * P)))
    elif x < 0.70:
        base = r.choice(MAPS); p = r.randint(0, NP - 1); n = r.randint(1, 4)
        out.append("load %#x %#x" % (base + p * P, n * P))
    elif x < 0.84:
        base = r.choice([A_SH0, A_PR0, A_SH1, A_ANON]); p = r.randint(0, NP - 1); n = r.randint(1, 4)
        out.append("store %#x %#x %#x" % (base + p * P, n * P, r.randint(1, 255)))
    elif x < 0.87 and procs < 3:
        out.append("fork")
        procs += 1
        out.append("process %d" % r.randint(0, procs - 1))
    elif x < 0.90:
        base = r.choice(MAPS); p = r.randint(0, NP - 1)
        out.append("munmap(%#x, %#x)" % (base + p * P, r.randint(1, 3) * P))
    elif x < 0.93:
        base = r.choice(MAPS); p = r.randint(0, NP - 1)
        prot = r.choice(["PROT_READ", "PROT_NONE", "PROT_READ|PROT_WRITE"])
        out.append("mprotect(%#x, %#x, %s)" % (base + p * P, r.randint(1, 3) * P, prot))
    if r.random() < 0.15:
        out.append("dump d%d" % i)
out.append("dump final")
for base in MAPS:
    out.append("load %#x %#x" % (base, NP * P))
print("\n".join(out))
