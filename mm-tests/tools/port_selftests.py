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
each file names the test and what it checks.  Record the expected output
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

    def load(self, addr, n=1):
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


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    for name, s in sorted(CASES.items()):
        with open(os.path.join(d, name + ".mms"), "w") as f:
            f.write(s.text())


if __name__ == "__main__":
    main()
