#!/usr/bin/env python3
"""Random scenarios around khugepaged's collapse of shmem and tmpfs ranges
(scenario format v1.7), for mm-tests/scenarios/thp/khugepaged-shmem/generated.

Usage: gen_khugepaged_shmem.py SEED > gen-khugepaged-shmem-SEED.mms

Each case maps two or three 2 MiB blocks at 0x100000000: shared anonymous
memory under a random `shmem_enabled`, or a tmpfs file (some of it written
by the `file` line, the rest a hole) under a random `tmpfs_huge`, with a
random `khugepaged_max_ptes_none`.  Pages are written or read under
MADV_NOHUGEPAGE (4 KiB pages, whatever the settings), then each block gets
MADV_HUGEPAGE, MADV_NOHUGEPAGE or stays as it is; some cases fork (the
child touches pages too) or map the file a second time, privately, and
write a page there.  After a `khugepaged` line the dumps show what was
collapsed and retracted, then loads fault the blocks back and check their
bytes.  A THP fault in an anonymous region puts the address space on
khugepaged's list whatever the shmem settings.  Record the expected output
of each with `mm-tests/tools/record_repeat.py --change-host-settings`.
"""
import random
import sys

seed = int(sys.argv[1])
r = random.Random(seed)
P = 4096
H = 2 << 20
BASE = 0x100000000
ANON = 0x100c00000

out = ["# gen_khugepaged_shmem.py %d" % seed]
tmpfs = r.random() < 0.5
nblocks = r.choice([2, 3])
size = nblocks * H
if tmpfs:
    out.append("machine tmpfs_huge=%s" % r.choice(["always", "within_size", "advise", "advise", "never"]))
    if r.random() < 0.15:
        out.append("machine thp_shmem_enabled=%s" % r.choice(["deny", "force"]))
else:
    out.append("machine thp_shmem_enabled=%s" % r.choice(["always", "within_size", "advise", "advise", "never",
                                                            "force", "deny"]))
out.append("machine khugepaged_max_ptes_none=%d" % r.choice([511, 511, 0, 64, 500, 510]))
out.append("window 0x%x 0x%x" % (BASE, BASE + (16 << 20)))
if tmpfs:
    fsize = r.choice([P, 3 * P, H // 2, H, H + 5 * P, size - H // 4])
    out.append("file f 0x%x" % fsize)
    out.append('openat(AT_FDCWD, "f", O_RDWR) = 3')
    out.append("ftruncate(3, 0x%x) = 0" % size)
    out.append("mmap(0x%x, 0x%x, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x%x" % (BASE, size, BASE))
else:
    out.append("mmap(0x%x, 0x%x, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x%x"
               % (BASE, size, BASE))
out.append("madvise(0x%x, 0x%x, MADV_NOHUGEPAGE) = 0" % (BASE, size))


def touch(block, value):
    """Writes or reads a few runs of pages of a block."""
    for _ in range(r.choice([0, 1, 1, 2, 3])):
        n = r.choice([1, 1, 2, 8, 13, 64, 300, 512])
        first = r.randrange(512 - n + 1)
        a = BASE + block * H + first * P
        if r.random() < 0.7:
            out.append("store 0x%x 0x%x %d" % (a, n * P, value))
        else:
            out.append("load 0x%x 0x%x" % (a, n * P))


for b in range(nblocks):
    touch(b, 1 + b)
private = tmpfs and r.random() < 0.3
if private:
    out.append("mmap(0x%x, 0x%x, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x%x" % (0x100800000, H, 0x100800000))
    out.append("store 0x%x 1 0x77" % (0x100800000 + r.randrange(512) * P))
    out.append("load 0x%x" % (0x100800000 + r.randrange(512) * P))
for b in range(nblocks):
    advice = r.choice(["MADV_HUGEPAGE", "MADV_HUGEPAGE", "MADV_HUGEPAGE", None, "MADV_NOHUGEPAGE"])
    if advice:
        out.append("madvise(0x%x, 0x%x, %s) = 0" % (BASE + b * H, H, advice))
out.append("mmap(0x%x, 0x%x, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x%x" % (ANON, H, ANON))
out.append("madvise(0x%x, 0x%x, MADV_HUGEPAGE) = 0" % (ANON, H))
out.append("store 0x%x" % ANON)
forked = r.random() < 0.3
if forked:
    out.append("fork")
    out.append("process 1")
    touch(r.randrange(nblocks), 9)
out.append("khugepaged")
out.append("dump smaps after")
for b in range(nblocks):
    if r.random() < 0.8:
        out.append("load 0x%x 0x%x" % (BASE + b * H + r.randrange(500) * P, 2 * P))
if private:
    out.append("load 0x%x 0x%x" % (0x100800000, 2 * P))
out.append("dump smaps faulted")
if forked:
    out.append("process 0")
    out.append("dump smaps parent")
print("\n".join(out))
