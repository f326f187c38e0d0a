#!/usr/bin/env python3
"""Test cases of the kernel's own suites, ported to scenarios, for
mm-tests/scenarios/selftests.

Usage: port_selftests.py DIR   (writes DIR/NAME.mms for every case)

Each case follows one test of tools/testing/selftests/mm (merge.c,
mremap_test.c, mremap_dontunmap.c, map_fixed_noreplace.c,
map_populate.c, cow.c) or of LTP's testcases/kernel/syscalls (mmap,
munmap, mprotect, mremap, madvise, brk): the same calls on the same
layout, with the addresses the test takes from the kernel (mmap(NULL),
mremap without MREMAP_FIXED) replaced by fixed ones, and what the test
asserts made visible as `= RET` results, loads and dumps.  The header of
each file names the test and what it checks.  (The `*-named.mms` cases
next to them, written by hand, port some of these tests exactly, with
names for the addresses the kernel chooses: `mmap(NULL, ...) = $a`.)  Record the expected output
of each with the real-kernel runner before committing it.
"""
import os, sys

P = 4096
# The selftests' "carveout" (a PROT_NONE region they map over) and the
# other regions: fixed addresses in the dump window.
C = 0x100000000
WINDOW = "window 0x100000000 0x101000000"
RW = "PROT_READ|PROT_WRITE"
ANON = "MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED"
CASES = {}


class S:
    """One scenario being written."""

    def __init__(self, name, source, checks):
        assert name not in CASES, name
        CASES[name] = self
        self.lines = ["# Ported from %s." % source]
        for l in checks.strip().splitlines():
            self.lines.append("# " + l.strip())
        self.lines.append(WINDOW)

    def raw(self, l):
        self.lines.append(l)
        return self

    def mmap(self, addr, n, prot=RW, flags=ANON, fd=-1, off=0, ret=None, nbytes=None):
        ln = nbytes if nbytes is not None else n * P
        a = "NULL" if addr is None else hex(addr)
        r = hex(addr) if ret is None and addr is not None else ret
        fdt = str(fd)
        return self.raw("mmap(%s, %d, %s, %s, %s, %d)%s" % (a, ln, prot, flags, fdt, off, "" if r is None else " = " + str(r)))

    def munmap(self, addr, n, ret=0, nbytes=None):
        return self.raw("munmap(%s, %d) = %s" % (hex(addr), nbytes if nbytes is not None else n * P, ret))

    def mprotect(self, addr, n, prot, ret=0, nbytes=None):
        return self.raw("mprotect(%s, %d, %s) = %s" % (hex(addr), nbytes if nbytes is not None else n * P, prot, ret))

    def mremap(self, old, oldn, newn, flags="0", new=None, ret=None, oldbytes=None, newbytes=None):
        ob = oldbytes if oldbytes is not None else oldn * P
        nb = newbytes if newbytes is not None else newn * P
        args = "%s, %d, %d, %s" % (hex(old), ob, nb, flags)
        if new is not None:
            args += ", " + hex(new)
        if ret is None:
            ret = hex(new) if new is not None else hex(old)
        return self.raw("mremap(%s) = %s" % (args, ret))

    def madvise(self, addr, n, adv, ret=0, nbytes=None):
        return self.raw("madvise(%s, %d, %s) = %s" % (hex(addr), nbytes if nbytes is not None else n * P, adv, ret))

    def store(self, addr, n=1, val=0x78):
        return self.raw("store %s %d 0x%02x" % (hex(addr), n * P if n > 1 else 1, val))

    def fill(self, addr, n, val):
        """memset of n pages: one store per page."""
        return self.raw("store %s %d 0x%02x" % (hex(addr), n * P, val))

    def load(self, addr, n=None):
        """One byte at addr, or one byte of each of n pages."""
        if n is None:
            return self.raw("load %s" % hex(addr))
        return self.raw("load %s %d" % (hex(addr), n * P))

    def dump(self, label=""):
        return self.raw(("dump " + label).rstrip())

    def text(self):
        return "\n".join(self.lines) + "\n"


def pg(k):
    """Page k of the carveout."""
    return C + k * P


# ---------------------------------------------------------------------------
# tools/testing/selftests/mm/merge.c

MERGE = "tools/testing/selftests/mm/merge.c, TEST_F(merge, %s)"
NORES = "MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_NORESERVE"


def carveout(s, n=30):
    return s.mmap(C, n, "PROT_NONE", "MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED")


def merge_mprotect(name, total, first_ro, last_ro, fault_at, fault_first_split, final, checks):
    s = S("merge-" + name, MERGE % name, checks)
    carveout(s)
    base = pg(1) if total == 10 else pg(2)
    s.mmap(base, total, RW, NORES)
    if fault_first_split:
        # split, fault, split again
        first, second = fault_first_split
        s.mprotect(base + first[0] * P, first[1], "PROT_READ")
        s.store(base + fault_at * P)
        s.mprotect(base + second[0] * P, second[1], "PROT_READ")
    else:
        for (o, n) in (first_ro, last_ro):
            if n:
                s.mprotect(base + o * P, n, "PROT_READ")
        s.store(base + fault_at * P)
    s.dump("split")
    s.mprotect(base + final[0] * P, final[1], "PROT_READ")
    s.dump("merged")


merge_mprotect("mprotect_unfaulted_left", 10, (0, 5), (0, 0), 5, None, (5, 5),
               "An unfaulted read-only VMA and a faulted one made read-only merge\n(the faulted one's anon_vma covers both).")
merge_mprotect("mprotect_unfaulted_right", 10, (5, 5), (0, 0), 0, None, (0, 5),
               "A faulted VMA made read-only merges with the unfaulted read-only one after it.")
merge_mprotect("mprotect_unfaulted_both", 9, (0, 3), (6, 3), 3, None, (3, 3),
               "A faulted VMA made read-only merges with unfaulted read-only VMAs on both sides.")
merge_mprotect("mprotect_faulted_left_unfaulted_right", 9, None, None, 0, ((6, 3), (0, 3)), (3, 3),
               "Faulted left, unfaulted right: making the middle read-only merges all three.")
merge_mprotect("mprotect_unfaulted_left_faulted_right", 9, None, None, 3, ((0, 3), (6, 3)), (3, 3),
               "Unfaulted left, faulted right: making the middle read-only merges all three.")


def merge_forked_target_vma():
    s = S("merge-forked_target_vma", MERGE % "forked_target_vma",
          "A fork child's faulted VMA (every page unCOWed) does not merge with a\nnew unfaulted mapping next to it: the anon_vma chain stays.")
    carveout(s)
    s.mmap(pg(1), 5)
    s.store(pg(1))
    s.raw("fork")
    s.raw("process 1")
    s.fill(pg(1), 5, 0x78)
    s.mmap(pg(6), 5)
    s.dump("child")
    s.raw("process 0")
    s.mmap(pg(6), 5)
    s.dump("parent")


merge_forked_target_vma()


def merge_forked_source_vma():
    s = S("merge-forked_source_vma", MERGE % "forked_source_vma",
          "A fork child's faulted VMA made RWX does not merge into the unfaulted\nRWX VMA after it.")
    carveout(s)
    s.mmap(pg(1), 5, RW, NORES)
    s.store(pg(1))
    s.raw("fork")
    s.raw("process 1")
    s.fill(pg(1), 5, 0x78)
    s.mmap(pg(6), 5, "PROT_READ|PROT_WRITE|PROT_EXEC", NORES)
    s.dump("separate")
    s.mprotect(pg(1), 5, "PROT_READ|PROT_WRITE|PROT_EXEC")
    s.dump("child")
    s.raw("process 0")
    s.mmap(pg(6), 5, "PROT_READ|PROT_WRITE|PROT_EXEC", NORES)
    s.mprotect(pg(1), 5, "PROT_READ|PROT_WRITE|PROT_EXEC")
    s.dump("parent merges")


merge_forked_source_vma()


def merge_ksm_like():
    s = S("merge-adjacent_rw", MERGE % "ksm_merge",
          "(its first half, before KSM) Two adjacent R/W anonymous mappings merge;\nafter unmapping the second and mapping it again they merge again.")
    carveout(s)
    s.mmap(pg(1), 1)
    s.mmap(pg(2), 1)
    s.dump("merged")
    s.munmap(pg(2), 1)
    s.mmap(pg(2), 1)
    s.dump("merged again")
    s.munmap(pg(1), 2)
    s.mmap(pg(1), 1)
    s.mmap(pg(2), 1)
    s.dump("third time")


merge_ksm_like()


def mremap_fixed(s, a, n, b, flags="MREMAP_MAYMOVE|MREMAP_FIXED"):
    return s.mremap(a, n, n, flags, b)


def merge_mremap_unfaulted_to_faulted(forked):
    name = "mremap_unfaulted_to_faulted"
    s = S("merge-" + name + ("-forked" if forked else ""), MERGE % name,
          "An unfaulted VMA moved next to (after) a faulted one merges with it."
          + ("\nIn a fork child too: the moved VMA has no anon_vma, the faulted\nneighbour's chain is not singular, so there is no merge." if forked else ""))
    carveout(s)
    s.mmap(pg(1), 5)
    s.mmap(pg(7), 5)
    mremap_fixed(s, pg(7), 5, pg(1007))
    s.store(pg(1))
    if forked:
        s.raw("fork").raw("process 1")
    mremap_fixed(s, pg(1007), 5, pg(6))
    s.dump("moved")


def merge_mremap_unfaulted_behind_faulted(forked):
    name = "mremap_unfaulted_behind_faulted"
    s = S("merge-" + name + ("-forked" if forked else ""), MERGE % name,
          "An unfaulted VMA moved in front of a faulted one merges with it."
          + ("\nNot in a fork child (the faulted VMA's chain is not singular)." if forked else ""))
    carveout(s)
    s.mmap(pg(6), 5)
    s.mmap(pg(14), 5)
    mremap_fixed(s, pg(14), 5, pg(1014))
    s.store(pg(6))
    if forked:
        s.raw("fork").raw("process 1")
    mremap_fixed(s, pg(1014), 5, pg(1))
    s.dump("moved")


def merge_mremap_unfaulted_between_faulted(forked):
    name = "mremap_unfaulted_between_faulted"
    s = S("merge-" + name + ("-forked" if forked else ""), MERGE % name,
          "An unfaulted VMA moved between two faulted ones with different\nanon_vmas merges with the first only."
          + ("\nIn a fork child, with neither." if forked else ""))
    carveout(s)
    s.mmap(pg(1), 5)
    s.mmap(pg(7), 5)
    s.mmap(pg(14), 5)
    mremap_fixed(s, pg(14), 5, pg(2014))
    mremap_fixed(s, pg(7), 5, pg(1007))
    s.store(pg(1))
    s.store(pg(2014))
    mremap_fixed(s, pg(2014), 5, pg(11))
    if forked:
        s.raw("fork").raw("process 1")
    mremap_fixed(s, pg(1007), 5, pg(6))
    s.dump("moved")


def merge_mremap_unfaulted_between_faulted_unfaulted(forked):
    name = "mremap_unfaulted_between_faulted_unfaulted"
    s = S("merge-" + name + ("-forked" if forked else ""), MERGE % name,
          "An unfaulted VMA moved between a faulted and an unfaulted one merges\nall three."
          + ("\nIn a fork child only the two unfaulted ones merge." if forked else ""))
    carveout(s)
    s.mmap(pg(1), 5)
    s.mmap(pg(7), 5)
    s.mmap(pg(14), 5)
    mremap_fixed(s, pg(14), 5, pg(2014))
    mremap_fixed(s, pg(7), 5, pg(1007))
    s.store(pg(1))
    mremap_fixed(s, pg(2014), 5, pg(11))
    if forked:
        s.raw("fork").raw("process 1")
    mremap_fixed(s, pg(1007), 5, pg(6))
    s.dump("moved")


def merge_mremap_unfaulted_between_correctly_placed_faulted(forked):
    name = "mremap_unfaulted_between_correctly_placed_faulted"
    s = S("merge-" + name + ("-forked" if forked else ""), MERGE % name,
          "Two faulted VMAs that share an anon_vma and line up, with an unfaulted\nVMA moved into the hole between them: all three merge."
          + ("\nNot in a fork child." if forked else ""))
    carveout(s)
    s.mmap(pg(1), 15)
    s.store(pg(1))
    s.munmap(pg(6), 5)
    s.mmap(pg(20), 5)
    if forked:
        s.raw("fork").raw("process 1")
    mremap_fixed(s, pg(20), 5, pg(6))
    s.dump("moved")


for f in (merge_mremap_unfaulted_to_faulted, merge_mremap_unfaulted_behind_faulted,
          merge_mremap_unfaulted_between_faulted, merge_mremap_unfaulted_between_faulted_unfaulted,
          merge_mremap_unfaulted_between_correctly_placed_faulted):
    f(False)
    f(True)


def merge_mremap_correct_placed_faulted():
    name = "mremap_correct_placed_faulted"
    s = S("merge-" + name, MERGE % name,
          "Parts of one faulted VMA moved away and back in every order merge\nagain each time they are back in place.")
    carveout(s)
    s.mmap(pg(1), 15)
    s.store(pg(1))
    mremap_fixed(s, pg(11), 5, pg(2011))
    mremap_fixed(s, pg(6), 5, pg(1006))
    mremap_fixed(s, pg(1006), 5, pg(6))
    s.dump("ptr2 back")
    mremap_fixed(s, pg(1), 5, pg(1001))
    mremap_fixed(s, pg(1001), 5, pg(1))
    s.dump("ptr back")
    mremap_fixed(s, pg(1), 5, pg(1001))
    mremap_fixed(s, pg(2011), 5, pg(11))
    s.dump("ptr3 back")
    mremap_fixed(s, pg(1001), 5, pg(1))
    s.dump("all back")
    mremap_fixed(s, pg(6), 5, pg(1006))
    mremap_fixed(s, pg(1006), 5, pg(6))
    s.dump("ptr2 again")
    mremap_fixed(s, pg(11), 5, pg(1011))
    mremap_fixed(s, pg(1011), 5, pg(11))
    s.dump("ptr3 again")


merge_mremap_correct_placed_faulted()

DU = "MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP"


def merge_faulted_to_unfaulted(name, forked):
    s = S("merge-" + name + ("-forked" if forked else ""), MERGE % name,
          "A faulted VMA moved with MREMAP_DONTUNMAP next to unfaulted ones merges\nwith them (its anon_vma is propagated)."
          + ("\nAfter a fork, in the child: a fork child's faulted VMA is not merged." if forked else ""))
    carveout(s)
    if name == "mremap_faulted_to_unfaulted_prev":
        s.mmap(pg(4), 3)
        s.store(pg(4))
        mremap_fixed(s, pg(4), 3, pg(20))
        s.mmap(pg(1), 3)
        if forked:
            s.raw("fork").raw("process 1")
        mremap_fixed(s, pg(20), 3, pg(4), DU)
    elif name == "mremap_faulted_to_unfaulted_next":
        s.mmap(pg(1), 3)
        s.store(pg(1))
        mremap_fixed(s, pg(1), 3, pg(20))
        s.mmap(pg(4), 3)
        if forked:
            s.raw("fork").raw("process 1")
        mremap_fixed(s, pg(20), 3, pg(1), DU)
    elif name == "mremap_faulted_to_unfaulted_prev_unfaulted_next":
        s.mmap(pg(4), 3)
        s.store(pg(4))
        mremap_fixed(s, pg(4), 3, pg(20))
        s.mmap(pg(1), 3)
        s.mmap(pg(7), 3)
        if forked:
            s.raw("fork").raw("process 1")
        mremap_fixed(s, pg(20), 3, pg(4), DU)
    else:
        s.mmap(pg(4), 6)
        s.store(pg(4))
        mremap_fixed(s, pg(4), 3, pg(20))
        s.mmap(pg(1), 3)
        if forked:
            s.raw("fork").raw("process 1")
        mremap_fixed(s, pg(20), 3, pg(4), DU)
    s.dump("moved")
    s.load(pg(1), 9)
    s.munmap(pg(20), 3)
    s.dump("source unmapped")


for n in ("mremap_faulted_to_unfaulted_prev", "mremap_faulted_to_unfaulted_next",
          "mremap_faulted_to_unfaulted_prev_unfaulted_next", "mremap_faulted_to_unfaulted_prev_faulted_next"):
    merge_faulted_to_unfaulted(n, False)
    merge_faulted_to_unfaulted(n, True)

# ---------------------------------------------------------------------------
# tools/testing/selftests/mm/mremap_dontunmap.c

DUN = "tools/testing/selftests/mm/mremap_dontunmap.c, %s()"
SRC = C + 0x100000
DST = C + 0x200000

s = S("mremap_dontunmap-support", DUN % "kernel_support_for_mremap_dontunmap",
      "MREMAP_DONTUNMAP of a PROT_NONE page (here to a fixed place) succeeds;\nboth mappings stay.")
s.mmap(SRC, 1, "PROT_NONE", ANON)
s.mremap(SRC, 1, 1, DU, DST)
s.dump("both")
s.munmap(DST, 1).munmap(SRC, 1).dump("gone")

s = S("mremap_dontunmap-simple", DUN % "mremap_dontunmap_simple",
      "MREMAP_DONTUNMAP moves the page tables: the destination reads the data,\nthe source stays mapped with no pages (reads zeros).")
s.mmap(SRC, 5).fill(SRC, 5, 0x61)
s.mremap(SRC, 5, 5, DU, DST)
s.dump("moved")
s.load(DST, 5).load(SRC, 5).dump("read")
s.munmap(DST, 5).munmap(SRC, 5)

s = S("mremap_dontunmap-simple_shmem", DUN % "mremap_dontunmap_simple_shmem",
      "(memfd replaced by a tmpfs file) MREMAP_DONTUNMAP of a shared mapping:\nboth the destination and the source see the data.")
s.raw("file memfd %d" % (5 * P))
s.raw('openat(AT_FDCWD, "memfd", O_RDWR) = 3')
s.mmap(SRC, 5, RW, "MAP_SHARED|MAP_FIXED", 3)
s.raw("close(3) = 0")
s.fill(SRC, 5, 0x61)
s.mremap(SRC, 5, 5, DU, DST)
s.dump("moved")
s.load(DST, 5).load(SRC, 5).dump("read")

s = S("mremap_dontunmap-simple_fixed", DUN % "mremap_dontunmap_simple_fixed",
      "MREMAP_DONTUNMAP|MREMAP_FIXED onto an existing mapping replaces it; the\nsource keeps no pages.")
s.mmap(DST, 5).fill(DST, 5, 0x58)
s.mmap(SRC, 5).fill(SRC, 5, 0x61)
s.mremap(SRC, 5, 5, DU, DST)
s.load(DST, 5).load(SRC, 5).dump("after")

s = S("mremap_dontunmap-partial_mapping", DUN % "mremap_dontunmap_partial_mapping",
      "MREMAP_DONTUNMAP of the last 5 of 10 pages: the source keeps its first\nhalf's data, its second half reads zeros, the destination has the data.")
s.mmap(SRC, 10).fill(SRC, 10, 0x61)
s.mremap(SRC + 5 * P, 5, 5, DU, DST)
s.dump("moved")
s.load(SRC, 10).load(DST, 5).dump("read")

s = S("mremap_dontunmap-partial_mapping_overwrite", DUN % "mremap_dontunmap_partial_mapping_overwrite",
      "MREMAP_DONTUNMAP of 5 pages onto the first half of a 10-page mapping:\nits second half keeps its data.")
s.mmap(SRC, 5).fill(SRC, 5, 0x61)
s.mmap(DST, 10).fill(DST, 10, 0x58)
s.mremap(SRC, 5, 5, DU, DST)
s.load(SRC, 5).load(DST, 10).dump("after")

# ---------------------------------------------------------------------------
# tools/testing/selftests/mm/map_fixed_noreplace.c

NR = "MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE"
B = C + 0x10000
FNR = "tools/testing/selftests/mm/map_fixed_noreplace.c, main()"
EEXIST = "-1 EEXIST (File exists)"

s = S("map_fixed_noreplace-all", FNR,
      "The whole test: MAP_FIXED_NOREPLACE maps free space, fails with EEXIST\nover any part of an existing mapping, and maps right next to one.")
s.mmap(B, 5, "PROT_NONE", NR)
s.munmap(B, 5)
s.mmap(B + P, 3, "PROT_NONE", NR)
s.mmap(B, 5, "PROT_NONE", NR, ret=EEXIST)
s.mmap(B + 2 * P, 1, "PROT_NONE", NR, ret=EEXIST)
s.mmap(B + 3 * P, 2, "PROT_NONE", NR, ret=EEXIST)
s.mmap(B, 2, "PROT_NONE", NR, ret=EEXIST)
s.mmap(B, 1, "PROT_NONE", NR)
s.mmap(B + 4 * P, 1, "PROT_NONE", NR)
s.dump("mapped")
s.munmap(B, 5).dump("unmapped")
for i, (off, n, ok, what) in enumerate([
        (0, 5, False, "the exact range again, over a mapping in its middle"),
        (2, 1, False, "inside the mapping"),
        (3, 2, False, "over the mapping's end"),
        (0, 2, False, "over the mapping's start"),
        (0, 1, True, "adjacent to the mapping's start"),
        (4, 1, True, "adjacent to the mapping's end")]):
    s = S("map_fixed_noreplace-%d" % (i + 1), FNR, "MAP_FIXED_NOREPLACE %s: %s." % (what, "maps" if ok else "EEXIST, nothing changes"))
    s.mmap(B + P, 3, "PROT_NONE", NR)
    s.store(B + P)  # PROT_NONE: faults, changes nothing
    s.mmap(B + off * P, n, "PROT_NONE", NR, ret=None if ok else EEXIST)
    s.dump()


# ---------------------------------------------------------------------------
# tools/testing/selftests/mm/mremap_test.c

MRT = "tools/testing/selftests/mm/mremap_test.c, %s"
SHM = "MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE"
KB, MB = 1024, 1 << 20


def mremap_region(name, salign, dalign, size, overlapping, fail, title):
    """remap_region(): a MAP_SHARED anonymous source at an odd multiple of
    its alignment, filled with a pattern, moved with MREMAP_FIXED to the
    destination the test computes; the destination must read the pattern."""
    s = S("mremap_test-" + name, MRT % ("main(): \"%s\"" % title),
          ("The move fails (EINVAL)." if fail else "The move succeeds and the destination reads the pattern; the source is gone."))
    s.lines[-1] = "window 0x100000000 0x400000000"
    src = 0x100000000 + 0x100000000 // salign * 0 + salign if salign >= P else 0x100000000 + P
    # an odd multiple of the alignment, in the window
    src = 0x100000000 | salign if salign >= P else 0x100000000 + P + salign
    mapsize = size
    if salign < P:
        # get_source_mapping's MAP_FIXED_NOREPLACE at a 1KB-aligned
        # address: the kernel takes the page it is in.
        s.mmap(src & ~(P - 1), 1, RW, SHM)
        s.mremap(src, 0, 0, "MREMAP_MAYMOVE|MREMAP_FIXED", 0x100200000, ret="-1 EINVAL (Invalid argument)", oldbytes=size, newbytes=size)
        s.dump()
        return
    s.mmap(src, 0, RW, SHM, nbytes=size)
    touched = min(4 * MB, size)
    s.fill(src, touched // P, 0x5a)
    for k in (0, touched // P // 2, touched // P - 1):
        s.store(src + k * P, 1, 0x10 + k % 200)
    off = -dalign if overlapping else dalign
    dst = ((src + size + off) & ~(dalign - 1))
    if not dst & dalign:
        dst |= dalign
    if fail:
        ret = "-1 EINVAL (Invalid argument)"
    else:
        ret = hex(dst)
    s.raw("mremap(%s, %d, %d, MREMAP_MAYMOVE|MREMAP_FIXED, %s) = %s" % (hex(src), size, size, hex(dst), ret))
    if not fail:
        s.raw("load %s %d" % (hex(dst), touched))
        s.raw("load %s 1" % hex(src))
    s.dump()


mremap_region("overlapping", P, P, P, True, True, "mremap - Source and Destination Regions Overlapping")
mremap_region("dest_misaligned", P, P // 4, P, False, True, "mremap - Destination Address Misaligned (1KB-aligned)")
mremap_region("src_misaligned", P // 4, P, P, False, True, "mremap - Source Address Misaligned (1KB-aligned)")
mremap_region("8KB_pte_pte", P, P, 2 * P, False, False, "8KB mremap - Source PTE-aligned, Destination PTE-aligned")
mremap_region("2MB_1MB_pte", MB, P, 2 * MB, False, False, "2MB mremap - Source 1MB-aligned, Destination PTE-aligned")
mremap_region("2MB_1MB_1MB", MB, MB, 2 * MB, False, False, "2MB mremap - Source 1MB-aligned, Destination 1MB-aligned")
mremap_region("4MB_pmd_pte", 2 * MB, P, 4 * MB, False, False, "4MB mremap - Source PMD-aligned, Destination PTE-aligned")
mremap_region("4MB_pmd_1MB", 2 * MB, MB, 4 * MB, False, False, "4MB mremap - Source PMD-aligned, Destination 1MB-aligned")
mremap_region("4MB_pmd_pmd", 2 * MB, 2 * MB, 4 * MB, False, False, "4MB mremap - Source PMD-aligned, Destination PMD-aligned")

s = S("mremap_test-expand_merge", MRT % "mremap_expand_merge()",
      "Expanding the first page of a 3-page mapping whose middle page was\nunmapped fills the hole and merges the two parts into one mapping.")
s.mmap(C, 3).munmap(C + P, 1).mremap(C, 1, 2, "0").dump()
s = S("mremap_test-expand_merge_offset", MRT % "mremap_expand_merge_offset()",
      "With the last page unmapped, expanding the middle page over it restores\nthe mapping as it was.")
s.mmap(C, 3).munmap(C + 2 * P, 1).mremap(C + P, 1, 2, "0").dump()

s = S("mremap_test-move_within_range", MRT % "mremap_move_within_range()",
      "Moving the second MiB of a 2 MiB block one block down inside a 20 MiB\nmapping leaves the first MiB of the block as it was.")
s.mmap(C, 0, nbytes=20 * MB).fill(C, 20 * MB // P, 0x00)
src = C + 6 * MB
s.fill(src, 2 * MB // P, 0x5a)
for k in (0, 100, 255, 256, 300, 511):
    s.store(src + k * P, 1, 0x10 + k % 200)
s.raw("mremap(%s, %d, %d, MREMAP_MAYMOVE|MREMAP_FIXED, %s) = %s" % (hex(src + MB), MB, MB, hex(src - MB), hex(src - MB)))
s.raw("load %s %d" % (hex(src), MB)).raw("load %s %d" % (hex(src - MB), MB)).raw("load %s" % hex(src + MB))
s.dump()


def mremap_multi(name, fn, what, dont_unmap=False):
    s = S("mremap_test-" + name, MRT % fn, what)
    return s, "MREMAP_MAYMOVE|MREMAP_FIXED" + ("|MREMAP_DONTUNMAP" if dont_unmap else "")


for du in (False, True):
    s, fl = mremap_multi("move_multiple_vmas" + ("-dontunmap" if du else ""), "mremap_move_multiple_vmas(dont_unmap=%s)" % str(du).lower(),
                         "A range of six VMAs with holes between them is moved whole, next to\nitself, and over a PROT_NONE mapping; the pattern follows each move.", du)
    T = C + 0x100000
    size = 11 * P
    s.mmap(C, 11)
    for i in range(1, 10, 2):
        if i != 5:
            s.munmap(C + i * P, 1)
    for i in range(0, 11, 2):
        s.store(C + i * P, 1, 0x20 + i)
        if i == 4:
            s.store(C + 5 * P, 1, 0x25)
    s.raw("mremap(%s, %d, %d, %s, %s) = %s" % (hex(C), size, size, fl, hex(T), hex(T)))
    s.dump("moved")
    s.raw("mremap(%s, %d, %d, %s, %s) = %s" % (hex(T), size, size, fl, hex(T + size), hex(T + size)))
    s.mmap(T, 11, "PROT_NONE")
    s.raw("mremap(%s, %d, %d, %s, %s) = %s" % (hex(T + size), size, size, fl, hex(T), hex(T)))
    for i in range(0, 11, 2):
        s.load(T + i * P)
    s.load(T + 5 * P)
    s.dump("back")

for inplace in (True, False):
    s, fl = mremap_multi("shrink_multiple_vmas" + ("-inplace" if inplace else ""), "mremap_shrink_multiple_vmas(inplace=%s)" % str(inplace).lower(),
                         "Shrinking a range of five VMAs and holes to its first page %s\nsucceeds: only the first page stays%s." % ("in place" if inplace else "with a move", "" if inplace else ", moved"))
    T = C + 0x100000
    s.mmap(C, 10)
    for i in range(1, 10, 2):
        s.munmap(C + i * P, 1)
    for i in range(0, 10, 2):
        s.store(C + i * P, 1, 0x30 + i)
    if inplace:
        s.mremap(C, 10, 1, "0")
    else:
        s.mremap(C, 10, 1, fl, T)
    s.dump()

for du in (False, True):
    s, fl = mremap_multi("move_multiple_vmas_split" + ("-dontunmap" if du else ""), "mremap_move_multiple_vmas_split(dont_unmap=%s)" % str(du).lower(),
                         "Moving part of two VMAs (a hole between them) splits both; the pattern\nof each page follows.", du)
    T = C + 0x100000
    size = 10 * P
    s.mmap(C, 10)
    s.munmap(C + 5 * P, 1)
    for i in range(10):
        if i != 5:
            s.store(C + i * P, 1, 0x40 + i)
    s.raw("mremap(%s, %d, %d, %s, %s) = %s" % (hex(C + 2 * P), size - 3 * P, size - 3 * P, fl, hex(T), hex(T)))
    for i in range(7):
        if i != 3:
            s.load(T + i * P)
    s.load(C, 2)
    s.dump()


# ---------------------------------------------------------------------------
# tools/testing/selftests/mm/map_populate.c

s = S("map_populate-cow", "tools/testing/selftests/mm/map_populate.c, main()",
      """(tmpfile replaced by a tmpfs file, the socket hand-over by process lines)
MAP_PRIVATE|MAP_POPULATE of a writable file mapping COWs its pages: the
child's private page is populated, does not change the file, and does
not see what the parent then writes through its MAP_SHARED mapping.""")
s.raw("file tmp 4096").raw('openat(AT_FDCWD, "tmp", O_RDWR) = 3')
s.mmap(C, 1, RW, "MAP_SHARED|MAP_FIXED", 3)
s.store(C, 1, 0xbe)
s.raw("msync(0x100000000, 4096, MS_SYNC) = 0")
s.raw("fork").raw("process 1")
s.mmap(C + 0x10000, 1, RW, "MAP_PRIVATE|MAP_POPULATE|MAP_FIXED", 3)
s.dump("child populated")
s.load(C + 0x10000)
s.raw("process 0")
s.store(C, 1, 0xad)
s.raw("msync(0x100000000, 4096, MS_SYNC) = 0")
s.raw("process 1")
s.load(C + 0x10000).load(C)
s.dump("child")

# ---------------------------------------------------------------------------
# tools/testing/selftests/mm/cow.c (the parts without THP, hugetlb, GUP,
# vmsplice or io_uring)

COW = "tools/testing/selftests/mm/cow.c, %s"


def cow_anon(name, fn, what, prep=None, child_writes=True, mprotect=False, swapout=False):
    s = S("cow-" + name, COW % fn, what)
    s.mmap(C, 4)
    s.fill(C, 4, 0xff)  # the test fills the memory first
    if prep:
        prep(s)
    s.raw("fork")
    if child_writes:
        s.raw("process 1")
        s.fill(C, 4, 0x00 if not mprotect else 0x00)
        s.load(C, 4)
        s.dump("child wrote")
        s.raw("exit")
        s.load(C, 4)
        s.dump("parent")
    else:
        if mprotect:
            s.mprotect(C, 4, "PROT_READ").mprotect(C, 4, RW)
        s.fill(C, 4, 0x00)
        s.raw("process 1")
        s.load(C, 4)
        s.dump("child")
    return s


cow_anon("anon-basic-child-writes", "test_cow_in_parent / do_test_cow_in_parent (anon, base page)",
         "Anonymous memory after fork: the child's writes are private to it;\nthe parent still reads its own data.")
cow_anon("anon-basic-parent-writes", "do_test_basic (anon, base page): \"Basic COW after fork()\"",
         "Anonymous memory after fork: the parent's writes do not reach the child.", child_writes=False)
cow_anon("anon-basic-mprotect", "do_test_basic (anon, base page): \"Basic COW after fork() with mprotect() optimization\"",
         "The parent mprotects read-only and back before writing: still COW, the\nchild keeps the old data.", child_writes=False, mprotect=True)
cow_anon("anon-dontneed-before-fork", "run_with_partmremap / anon base page variants (MADV_DONTNEED of half before fork)",
         "Half the pages dropped with MADV_DONTNEED before fork: the child sees\nzeros there and the data elsewhere; its writes stay private.",
         prep=lambda s: s.madvise(C + 2 * P, 2, "MADV_DONTNEED"))


def cow_nonanon(name, fn, what, backing):
    s = S("cow-" + name, COW % fn, what)
    if backing == "zeropage":
        s.mmap(C, 2, RW, "MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED")
        s.mmap(C + 0x10000, 2, "PROT_READ", "MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED")
        s.load(C, 2)
        s.load(C + 0x10000, 2)
        s.dump("zero pages mapped")
        s.store(C, 1, 0xff)
        s.load(C, 2).load(C + 0x10000, 2)
        s.dump("after write")
        return
    s.raw("file %s 8192" % backing).raw('openat(AT_FDCWD, "%s", O_RDWR) = 3' % backing)
    s.mmap(C, 2, RW, "MAP_PRIVATE|MAP_FIXED", 3)
    s.mmap(C + 0x10000, 2, "PROT_READ", "MAP_SHARED|MAP_FIXED", 3)
    s.load(C, 2).load(C + 0x10000, 2)
    s.dump("read")
    s.store(C, 1, 0xff)
    s.load(C, 2).load(C + 0x10000, 2)
    s.dump("private write")


cow_nonanon("nonanon-zeropage", "run_with_zeropage: \"Basic COW\" (non-anon)",
            "A private anonymous page read first maps the shared zero page; a write\nto it gets a private copy and leaves the other zero-page mapping alone.", "zeropage")
cow_nonanon("nonanon-memfd", "run_with_memfd: \"Basic COW\" (non-anon; memfd as a tmpfs file)",
            "A write to a private file mapping COWs the page cache page: the shared\nmapping of the same file still reads the file.", "memfd")
cow_nonanon("nonanon-tmpfile", "run_with_tmpfile: \"Basic COW\" (non-anon; tmpfile as a tmpfs file)",
            "The same with a second file.", "tmpfile")

# ---------------------------------------------------------------------------
# LTP testcases/kernel/syscalls

LTP = "LTP testcases/kernel/syscalls/%s"
EINVAL = "-1 EINVAL (Invalid argument)"
ENOMEM = "-1 ENOMEM (Cannot allocate memory)"
EACCES = "-1 EACCES (Permission denied)"
EBADF = "-1 EBADF (Bad file descriptor)"
EFAULT = "-1 EFAULT (Bad address)"

s = S("ltp-mmap01", LTP % "mmap/mmap01.c",
      "A shared file mapping of a file that ends inside its last page: the\nbytes past the end read zero, a write there is allowed, the data before\nthe end reads the file.")
s.raw("file data %d" % (P + 100)).raw('openat(AT_FDCWD, "data", O_RDWR) = 3')
s.mmap(C, 2, RW, "MAP_SHARED|MAP_FIXED", 3)
s.raw("load %s" % hex(C + P + 200))
s.raw("store %s 1 0x41" % hex(C + P + 200))
s.raw("load %s" % hex(C + P + 200))
s.load(C, 2).dump()

for name, prot, oflag, flags, what in [
        ("ltp-mmap02", "PROT_READ", "O_RDONLY", "MAP_SHARED", "PROT_READ, MAP_SHARED of a file opened O_RDONLY: it reads the file."),
        ("ltp-mmap03", "PROT_READ|PROT_EXEC", "O_RDONLY", "MAP_PRIVATE", "PROT_EXEC|PROT_READ private file mapping: it reads the file."),
        ("ltp-mmap05", "PROT_NONE", "O_RDONLY", "MAP_SHARED", "PROT_NONE file mapping: any access is SIGSEGV.")]:
    s = S(name, LTP % ("mmap/%s.c" % name[4:]), what)
    s.raw("file data %d" % (3 * P)).raw('openat(AT_FDCWD, "data", %s) = 3' % oflag)
    s.mmap(C, 3, prot, flags + "|MAP_FIXED", 3)
    s.load(C, 3).load(C + P + 17).dump()

# mmap04: the protection and flags shown in /proc/self/maps.
for i, (prot, flags, anon) in enumerate([
        ("PROT_NONE", "MAP_PRIVATE", False), ("PROT_NONE", "MAP_SHARED", False),
        ("PROT_READ", "MAP_PRIVATE", False), ("PROT_READ", "MAP_SHARED", False),
        ("PROT_READ|PROT_WRITE", "MAP_PRIVATE", False), ("PROT_READ|PROT_WRITE", "MAP_SHARED", False),
        ("PROT_READ|PROT_EXEC", "MAP_PRIVATE", False), ("PROT_READ|PROT_EXEC", "MAP_SHARED", False),
        ("PROT_EXEC", "MAP_PRIVATE", False), ("PROT_WRITE", "MAP_SHARED", False),
        ("PROT_READ|PROT_WRITE|PROT_EXEC", "MAP_PRIVATE", True), ("PROT_READ|PROT_WRITE|PROT_EXEC", "MAP_SHARED", True),
        ("PROT_NONE", "MAP_PRIVATE", True), ("PROT_WRITE|PROT_EXEC", "MAP_SHARED", True)]):
    s = S("ltp-mmap04-%02d" % (i + 1), LTP % "mmap/mmap04.c",
          "The permissions /proc/self/maps shows for %s, %s%s." % (prot, flags, " anonymous" if anon else " of a file"))
    if anon:
        s.mmap(C, 1, prot, flags + "|MAP_ANONYMOUS|MAP_FIXED")
    else:
        s.raw("file data 4096").raw('openat(AT_FDCWD, "data", O_RDWR) = 3')
        s.mmap(C, 1, prot, flags + "|MAP_FIXED", 3)
    s.load(C)
    s.dump()

s = S("ltp-mmap06", LTP % "mmap/mmap06.c",
      "The test's case, a file opened O_WRONLY mapped PROT_READ and MAP_SHARED:\nEACCES; and around it, the same MAP_PRIVATE, a file opened O_RDONLY\nmapped shared and writable (EACCES) or private and writable (maps), and\na descriptor that is not open (EBADF).")
s.raw("file data 4096")
s.raw('openat(AT_FDCWD, "data", O_WRONLY) = 3').raw('openat(AT_FDCWD, "data", O_RDONLY) = 4')
s.mmap(C, 1, "PROT_READ", "MAP_PRIVATE|MAP_FIXED", 3, ret=EACCES)
s.mmap(C, 1, "PROT_READ", "MAP_SHARED|MAP_FIXED", 3, ret=EACCES)
s.mmap(C, 1, "PROT_WRITE", "MAP_SHARED|MAP_FIXED", 4, ret=EACCES)
s.mmap(C, 1, RW, "MAP_SHARED|MAP_FIXED", 4, ret=EACCES)
s.mmap(C, 1, RW, "MAP_PRIVATE|MAP_FIXED", 4)
s.mmap(C + P, 1, "PROT_READ", "MAP_SHARED|MAP_FIXED", 9, ret=EBADF)
s.dump()

s = S("ltp-mmap07", LTP % "mmap/mmap07.c",
      "MAP_PRIVATE with PROT_WRITE of a file opened O_WRONLY: EACCES.")
s.raw("file data 4096").raw('openat(AT_FDCWD, "data", O_WRONLY) = 3')
s.mmap(C, 1, "PROT_WRITE", "MAP_PRIVATE|MAP_FIXED", 3, ret=EACCES).dump()

s = S("ltp-mmap08", LTP % "mmap/mmap08.c",
      "mmap of a closed descriptor: EBADF.")
s.raw("file data 4096").raw('openat(AT_FDCWD, "data", O_RDWR) = 3').raw("close(3) = 0")
s.mmap(C, 1, "PROT_READ", "MAP_SHARED|MAP_FIXED", 3, ret=EBADF).dump()

s = S("ltp-mmap12", LTP % "mmap/mmap12.c",
      "MAP_POPULATE of a file: every page is present (pagemap) right after mmap.")
s.raw("file data %d" % (16 * P)).raw('openat(AT_FDCWD, "data", O_RDWR) = 3')
s.mmap(C, 16, "PROT_READ", "MAP_PRIVATE|MAP_POPULATE|MAP_FIXED", 3).dump()

s = S("ltp-mmap13", LTP % "mmap/mmap13.c",
      "A mapping larger than its file: an access to a page wholly past the\nend of the file is SIGBUS; the last page of the file reads.")
s.raw("file data %d" % (P + 10)).raw('openat(AT_FDCWD, "data", O_RDWR) = 3')
s.mmap(C, 4, "PROT_READ", "MAP_SHARED|MAP_FIXED", 3)
s.load(C + P + 5).load(C + 2 * P).dump()

s = S("ltp-mmap15", LTP % "mmap/mmap15.c",
      "A file page mapped MAP_FIXED at 1 << 53, above TASK_SIZE: ENOMEM; and\nat TASK_SIZE and across it.")
s.raw("file data 4096").raw('openat(AT_FDCWD, "data", O_RDWR) = 3')
s.raw("mmap(0x20000000000000, 4096, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = -1 ENOMEM (Cannot allocate memory)")
s.raw("mmap(0x800000000000, 4096, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = -1 ENOMEM (Cannot allocate memory)")
s.raw("mmap(0x7ffffffff000, 8192, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = -1 ENOMEM (Cannot allocate memory)")
s.dump()

s = S("ltp-mmap17", LTP % "mmap/mmap17.c",
      "MAP_FIXED_NOREPLACE over an existing mapping: EEXIST, it stays.")
s.raw("file data 4096").raw('openat(AT_FDCWD, "data", O_RDWR) = 3')
s.mmap(C, 1, "PROT_READ", "MAP_SHARED|MAP_FIXED_NOREPLACE", 3)
s.mmap(C, 1, "PROT_READ", "MAP_SHARED|MAP_FIXED_NOREPLACE", 3, ret="-1 EEXIST (File exists)")
s.load(C).dump()

GD = "MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_GROWSDOWN"
s = S("ltp-mmap18-grow", LTP % "mmap/mmap18.c (grow_stack_success)",
      "A MAP_GROWSDOWN mapping grows down when the page below it is touched.")
s.mmap(C + 0x800000, 1, RW, GD)
s.store(C + 0x800000 - P).store(C + 0x800000 - 3 * P).dump()
s = S("ltp-mmap18-gap", LTP % "mmap/mmap18.c (grow_stack_fail)",
      "A MAP_GROWSDOWN mapping does not grow into the stack guard gap of a\nmapping below it: the access is SIGSEGV.")
s.mmap(C, 1, RW)
s.mmap(C + 2 * P, 1, RW, GD)
s.store(C + P).dump()
s = S("ltp-mmap18-below", LTP % "mmap/mmap18.c (mmap below a growsdown mapping)",
      "A mapping placed in the guard gap below a MAP_GROWSDOWN one is made;\nthe stack then cannot grow.")
s.mmap(C + 0x800000, 1, RW, GD)
s.mmap(C + 0x800000 - 4 * P, 1, RW)
s.store(C + 0x800000 - P).dump()

s = S("ltp-mmap19", LTP % "mmap/mmap19.c",
      "One file mapped MAP_SHARED at two addresses: a write through one is\nread through the other.")
s.raw("file data 8192").raw('openat(AT_FDCWD, "data", O_RDWR) = 3')
s.mmap(C, 2, RW, "MAP_SHARED|MAP_FIXED", 3)
s.mmap(C + 0x10000, 2, RW, "MAP_SHARED|MAP_FIXED", 3)
s.store(C, 1, 0x77).store(C + 0x10000 + P, 1, 0x66)
s.load(C, 2).load(C + 0x10000, 2).dump()

s = S("ltp-munmap01", LTP % "munmap/munmap01.c",
      "After munmap, an access to the range is SIGSEGV.")
s.raw("file data %d" % (3 * P)).raw('openat(AT_FDCWD, "data", O_RDWR) = 3')
s.mmap(C, 3, RW, "MAP_SHARED|MAP_FIXED", 3).load(C, 3).munmap(C, 3).load(C).dump()
s = S("ltp-munmap02", LTP % "munmap/munmap02.c",
      "munmap of part of a mapping: that part faults, the rest stays.")
s.raw("file data %d" % (3 * P)).raw('openat(AT_FDCWD, "data", O_RDWR) = 3')
s.mmap(C, 3, RW, "MAP_SHARED|MAP_FIXED", 3).munmap(C + P, 1).load(C).load(C + P).load(C + 2 * P).dump()
s = S("ltp-munmap03", LTP % "munmap/munmap03.c",
      "munmap errors: EINVAL for length 0, an unaligned address, an address\nrange past TASK_SIZE.")
s.mmap(C, 1)
s.munmap(C, 0, ret=EINVAL, nbytes=0)
s.raw("munmap(0x100000100, 4096) = -1 EINVAL (Invalid argument)")
s.raw("munmap(0x7ffffffff000, 8192) = -1 EINVAL (Invalid argument)")
s.dump()

s = S("ltp-mprotect01", LTP % "mprotect/mprotect01.c",
      "mprotect errors: ENOMEM for unmapped memory, EINVAL for an unaligned\naddress, EACCES for PROT_WRITE on a shared mapping of a read-only file.")
s.raw("mprotect(0x100000000, 4096, PROT_READ) = -1 ENOMEM (Cannot allocate memory)")
s.mmap(C, 1)
s.raw("mprotect(0x100000001, 4096, PROT_READ) = -1 EINVAL (Invalid argument)")
s.raw("file data 4096").raw('openat(AT_FDCWD, "data", O_RDONLY) = 3')
s.mmap(C + 0x10000, 1, "PROT_READ", "MAP_SHARED|MAP_FIXED", 3)
s.mprotect(C + 0x10000, 1, RW, ret=EACCES)
s.dump()
s = S("ltp-mprotect02", LTP % "mprotect/mprotect02.c",
      "A page made PROT_READ: a write is SIGSEGV; made writable again, the\nwrite succeeds.")
s.mmap(C, 1).store(C, 1, 0x11).mprotect(C, 1, "PROT_READ").store(C, 1, 0x22).load(C)
s.mprotect(C, 1, RW).store(C, 1, 0x33).load(C).dump()
s = S("ltp-mprotect03", LTP % "mprotect/mprotect03.c",
      "A shared file mapping made PROT_NONE: a write is SIGSEGV.")
s.raw("file data 4096").raw('openat(AT_FDCWD, "data", O_RDWR) = 3')
s.mmap(C, 1, RW, "MAP_SHARED|MAP_FIXED", 3).mprotect(C, 1, "PROT_NONE").store(C).load(C).dump()
s = S("ltp-mprotect04", LTP % "mprotect/mprotect04.c (testfunc_protnone)",
      "PROT_NONE on an anonymous mapping: every access is SIGSEGV; PROT_READ\nthen allows reads only.")
s.mmap(C, 2).store(C, 2, 0x44).mprotect(C, 2, "PROT_NONE").load(C).store(C)
s.mprotect(C, 2, "PROT_READ").load(C, 2).store(C + P).dump()
s = S("ltp-mprotect05", LTP % "mprotect/mprotect05.c",
      "mprotect of the middle page of three splits the mapping into three VMAs.")
s.mmap(C, 3).mprotect(C + P, 1, "PROT_READ").dump()

s = S("ltp-mremap01", LTP % "mremap/mremap01.c",
      "(grows in place here) A shared file mapping grown with mremap keeps its\ndata and reads the file in the new part.")
s.raw("file data %d" % (8 * P)).raw('openat(AT_FDCWD, "data", O_RDWR) = 3')
s.mmap(C, 2, RW, "MAP_SHARED|MAP_FIXED", 3).store(C, 1, 0x99)
s.mremap(C, 2, 8, "MREMAP_MAYMOVE").load(C, 8).dump()
s = S("ltp-mremap02", LTP % "mremap/mremap02.c",
      "mremap of an unaligned old address: EINVAL.")
s.mmap(C, 2)
s.raw("mremap(0x100000001, 4096, 8192, MREMAP_MAYMOVE) = -1 EINVAL (Invalid argument)").dump()
s = S("ltp-mremap03", LTP % "mremap/mremap03.c",
      "mremap of an unmapped old address: EFAULT.")
s.mremap(C + 0x10000, 1, 2, "MREMAP_MAYMOVE", ret=EFAULT).dump()
s = S("ltp-mremap04", LTP % "mremap/mremap04.c",
      "Growing a mapping without MREMAP_MAYMOVE when the next page is taken:\nENOMEM.")
s.mmap(C, 1).mmap(C + P, 1, "PROT_READ")
s.mremap(C, 1, 2, "0", ret=ENOMEM).dump()
for i, (flags, new, ret, what) in enumerate([
        ("MREMAP_FIXED", C + 0x10000, EINVAL, "MREMAP_FIXED without MREMAP_MAYMOVE: EINVAL"),
        ("MREMAP_MAYMOVE|MREMAP_FIXED", C + 0x10001, EINVAL, "an unaligned new address: EINVAL"),
        ("MREMAP_MAYMOVE|MREMAP_FIXED", C + P, EINVAL, "a new range overlapping the old one: EINVAL"),
        ("MREMAP_MAYMOVE|MREMAP_FIXED", C + 0x10000, None, "a move to a free range: the data moves, the old range is gone"),
        ("MREMAP_MAYMOVE|MREMAP_FIXED", C + 0x20000, None, "a move onto an existing mapping replaces it")]):
    s = S("ltp-mremap05-%d" % (i + 1), LTP % "mremap/mremap05.c", "mremap with MREMAP_FIXED, " + what + ".")
    s.mmap(C, 2).fill(C, 2, 0x31)
    s.mmap(C + 0x20000, 4, "PROT_READ")
    s.raw("mremap(%s, 8192, 8192, %s, %s) = %s" % (hex(C), flags, hex(new), ret or hex(new)))
    s.load(C, 2).load(new & ~(P - 1), 4).dump()
for n, (inc, desc) in enumerate([(0, "all pages with compatible mapping"), (3, "third page's mapping incompatible"),
                                  (1, "first page's mapping incompatible")]):
    s = S("ltp-mremap06-%d" % (n + 1), LTP % "mremap/mremap06.c",
          """Reproducer of "mm/mremap: fix vm_pgoff in vma_merge() case 3" (%s):
the second page of a shared file mapping moved past its end and back
merges with the right page offsets, every page reads its own data.""" % desc)
    s.raw("file testfile %d" % (4 * P)).raw('openat(AT_FDCWD, "testfile", O_RDWR) = 3')
    s.mmap(C, 4, RW, "MAP_SHARED|MAP_FIXED", 3)
    for i in range(4):
        s.store(C + i * P, 1, 0x30 + i)
    s.munmap(C, 4)
    s.mmap(C, 4, RW, "MAP_SHARED|MAP_FIXED", 3)
    s.mremap(C + P, 1, 1, "MREMAP_MAYMOVE|MREMAP_FIXED", C + 3 * P)
    if inc:
        s.mprotect(C + (inc - 1) * P, 1, "PROT_READ")
    s.mremap(C + 3 * P, 1, 1, "MREMAP_MAYMOVE|MREMAP_FIXED", C + P)
    s.load(C, 3)
    s.dump()
    s.munmap(C, 3)

s = S("ltp-madvise01", LTP % "madvise/madvise01.c",
      "Every advice the test gives a file mapping and an anonymous one succeeds.")
s.raw("file data %d" % (4 * P)).raw('openat(AT_FDCWD, "data", O_RDWR) = 3')
s.mmap(C, 4, RW, "MAP_SHARED|MAP_FIXED", 3)
s.mmap(C + 0x10000, 4, RW)
s.fill(C + 0x10000, 4, 0x12)
for a in (C, C + 0x10000):
    for adv in ("MADV_NORMAL", "MADV_RANDOM", "MADV_SEQUENTIAL", "MADV_WILLNEED", "MADV_DONTNEED"):
        s.madvise(a, 4, adv)
s.load(C, 4).load(C + 0x10000, 4).dump()
s = S("ltp-madvise02", LTP % "madvise/madvise02.c",
      """The test's cases that need no mlock nor raw advice values: EINVAL for an
unaligned start; ENOMEM for a range that runs from one half of a file
into the unmapped other half; MADV_WILLNEED on anonymous memory, which
the test expects to fail with EBADF, succeeds on a kernel with swap
support (CONFIG_SWAP), as here.""")
s.raw("file data 65536").raw('openat(AT_FDCWD, "data", O_RDWR) = 3')
s.mmap(C, 16, "PROT_READ", "MAP_SHARED|MAP_FIXED", 3)
s.raw("madvise(0x100000064, 65536, MADV_NORMAL) = -1 EINVAL (Invalid argument)")
s.munmap(C, 16)
s.mmap(C, 8, "PROT_READ", "MAP_SHARED|MAP_FIXED", 3)
s.mmap(C + 0x10000, 8, "PROT_READ", "MAP_SHARED|MAP_FIXED", 3, off=32768)
s.munmap(C + 0x10000, 8)
s.madvise(C, 17, "MADV_NORMAL", ret=ENOMEM)
s.munmap(C, 8)
s.mmap(C + 0x20000, 5)
s.madvise(C + 0x20000, 5, "MADV_WILLNEED")
s.dump()
s = S("ltp-madvise09", LTP % "madvise/madvise09.c (without memory pressure)",
      "MADV_FREE of written anonymous pages: without memory pressure the pages\nstay and keep their data; a page written again is kept.")
s.mmap(C, 8).fill(C, 8, 0x42)
s.madvise(C, 8, "MADV_FREE")
s.store(C + P, 1, 0x43)
s.load(C, 8).dump()
s = S("ltp-madvise10", LTP % "madvise/madvise10.c",
      "MADV_WIPEONFORK: the child reads zeros; after MADV_KEEPONFORK the next\nchild reads the data.")
s.mmap(C, 4).fill(C, 4, 0x61)
s.madvise(C, 4, "MADV_WIPEONFORK")
s.raw("fork").raw("process 1").load(C, 4).dump("child").raw("exit")
s.madvise(C, 4, "MADV_KEEPONFORK")
s.raw("fork").raw("process 2").load(C, 4).dump("second child")
s = S("ltp-madvise10-half", LTP % "madvise/madvise10.c (part of a mapping)",
      "MADV_WIPEONFORK of half a mapping splits it; only that half is wiped.")
s.mmap(C, 4).fill(C, 4, 0x61)
s.madvise(C + 2 * P, 2, "MADV_WIPEONFORK")
s.raw("fork").raw("process 1").load(C, 4).dump("child")

s = S("ltp-brk01", LTP % "brk/brk01.c",
      "brk grows the heap by a page, then shrinks it back; each result is the\nnew break and the heap is usable.")
s.raw("window 0x200000000 0x200100000")
s.raw("brk(NULL) = 0x200000000")
s.raw("brk(0x200001000) = 0x200001000")
s.raw("store 0x200000000")
s.raw("brk(0x200003000) = 0x200003000")
s.raw("store 0x200002000")
s.raw("dump grown")
s.raw("brk(0x200001000) = 0x200001000")
s.raw("load 0x200002000")
s.raw("dump shrunk")
s = S("ltp-brk02", LTP % "brk/brk02.c",
      """The break grown by one page, then another (a second VMA after the
first is written), that page made RWX by mprotect, the break grown once
more and then set back to its start: every VMA of the heap is unmapped.""")
s.raw("window 0x200000000 0x200100000")
s.raw("brk(NULL) = 0x200000000")
s.raw("brk(0x200001000) = 0x200001000")
s.raw("store 0x200000000")
s.raw("brk(0x200002000) = 0x200002000")
s.raw("mprotect(0x200001000, 4096, PROT_READ|PROT_WRITE|PROT_EXEC) = 0")
s.raw("brk(0x200003000) = 0x200003000")
s.raw("dump grown")
s.raw("brk(0x200000000) = 0x200000000")
s.raw("dump back")

def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    for name, s in sorted(CASES.items()):
        with open(os.path.join(d, name + ".mms"), "w") as f:
            f.write(s.text())


if __name__ == "__main__":
    main()
