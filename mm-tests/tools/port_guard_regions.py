#!/usr/bin/env python3
"""The tests of tools/testing/selftests/mm/guard-regions.c (Linux 6.18),
ported to scenarios for mm-tests/scenarios/selftests.

Usage: port_guard_regions.py DIR   (writes DIR/guard-regions-TEST-VARIANT.mms)

One scenario per TEST_F and FIXTURE_VARIANT it runs with (a test that
SKIPs a variant has no scenario for it): anon is private anonymous
memory; shmem (the test's memfd) and file (its mkstemp file) are a tmpfs
file of the scenario, made empty and grown to 100 pages of holes with
ftruncate as the fixture does, mapped MAP_SHARED.  The mappings the test
takes from the kernel (mmap(NULL)) are named (`= $p`).  The test's
accesses become lines: try_read_buf a `load`, try_write_buf a `store` of
'x' (0x78), try_read_write_buf both; a loop whose pages all succeed is
one `load`/`store` over the range, any other loop a line per page (a
line stops at its first fault).  set_pattern writes 'a' + i to the first
byte of page i.  Tests no line can express (process_madvise, uffd,
memfd_write_seal, pagemap, pagemap_scan) have no scenario.  Record the
expected output of each with `mmsim real` before committing it.
"""
import os
import sys

if len(sys.argv) != 2:
    sys.exit("usage: port_guard_regions.py DIR")
OUT = sys.argv[1]
PG = 0x1000
RW = "PROT_READ|PROT_WRITE"
VARIANTS = ["anon", "shmem", "file"]
FILE_NAME = {"shmem": "memfd", "file": "guard_regions_test_file"}
VARIANT_TEXT = {
    "anon": "anon variant: private anonymous memory.",
    "shmem": "shmem variant: the test's memfd is a tmpfs file of 100 pages\n"
    "# of holes (made empty, then ftruncate), mapped MAP_SHARED.",
    "file": "file variant: the test's mkstemp file is a tmpfs file of 100\n"
    "# pages of holes (made empty, then ftruncate), mapped MAP_SHARED.",
}


def a(name, pages=0):
    return f"${name}" if pages == 0 else f"${name}+{hex(pages * PG)}"


class S:
    def __init__(self, test, variant, what):
        self.test = test
        self.variant = variant
        self.lines = []
        self.what = what

    def emit(self, s):
        self.lines.append(s)

    def setup(self):
        self.emit("window 0x100000000 0x100100000")
        if self.variant != "anon":
            f = FILE_NAME[self.variant]
            self.emit(f"file {f} 0")
            self.emit(f'openat(AT_FDCWD, "{f}", O_RDWR) = 3')
            self.emit(f"ftruncate(3, {hex(100 * PG)}) = 0")

    def mmap_(self, ret, pages, prot=RW, fixed=None, private=False):
        """The test's mmap_() (or plain mmap with MAP_PRIVATE of the fd)."""
        if self.variant == "anon":
            flags, fd = "MAP_PRIVATE|MAP_ANONYMOUS", "-1"
        else:
            flags, fd = ("MAP_PRIVATE" if private else "MAP_SHARED"), "3"
        addr = "NULL"
        if fixed is not None:
            addr = fixed
            flags += "|MAP_FIXED"
        self.emit(f"mmap({addr}, {hex(pages * PG)}, {prot}, {flags}, {fd}, 0) = {ret}")

    def madv(self, addr, pages, adv, ret="0"):
        self.emit(f"madvise({addr}, {hex(pages * PG)}, {adv}) = {ret}")

    def r(self, addr, pages=None):
        self.emit(f"load {addr}" if pages is None else f"load {addr} {hex(pages * PG)}")

    def w(self, addr, pages=None, val=0x78):
        ln = 1 if pages is None else pages * PG
        self.emit(f"store {addr} {hex(ln)} {hex(val)}")

    def rw(self, addr, pages=None):
        """try_read_write_buf: a read, then a write of 'x'."""
        self.r(addr, pages)
        self.w(addr, pages)

    def rw_each(self, name, first, end):
        for i in range(first, end):
            self.rw(a(name, i))

    def r_each(self, name, first, end):
        for i in range(first, end):
            self.r(a(name, i))

    def pattern(self, name, pages):
        """set_pattern: page i is 'a' + i (its first byte here)."""
        for i in range(pages):
            self.w(a(name, i), None, 0x61 + i % 26)

    def text(self):
        head = [f"# selftests/mm/guard-regions.c, TEST_F(guard_regions, {self.test}):"]
        head += ["# " + l if l else "#" for l in self.what.strip().split("\n")]
        head += ["# " + VARIANT_TEXT[self.variant]]
        return "\n".join(head + self.lines) + "\n"


CASES = []


def case(test, variants, what):
    def deco(fn):
        CASES.append((test, variants, what, fn))
        return fn

    return deco


@case("basic", VARIANTS, """
Guard pages at both ends of a 10-page mapping fault (SIGSEGV); the pages
between stay usable; removing a guard page makes it usable again; a
range of guard pages installed over faulted pages; removing them keeps
what the other pages hold ('x').""")
def basic(s):
    s.mmap_("$p", 10)
    s.rw("$p")
    s.madv("$p", 1, "MADV_GUARD_INSTALL")
    s.rw("$p")
    s.rw(a("p", 1), 9)
    s.madv(a("p", 9), 1, "MADV_GUARD_INSTALL")
    s.rw("$p")
    s.rw(a("p", 9))
    s.madv("$p", 1, "MADV_GUARD_REMOVE")
    s.rw("$p")
    s.madv(a("p", 9), 1, "MADV_GUARD_REMOVE")
    s.rw(a("p", 9))
    s.madv("$p", 3, "MADV_GUARD_INSTALL")
    s.rw_each("p", 0, 3)
    s.rw(a("p", 3), 7)
    s.emit("dump guarded")
    s.madv("$p", 10, "MADV_GUARD_REMOVE")
    s.rw("$p", 10)
    s.madv("$p", 10, "MADV_GUARD_REMOVE")
    s.r("$p", 10)
    s.emit("dump removed")
    s.emit(f"munmap($p, {hex(10 * PG)}) = 0")


@case("multi_vma", VARIANTS, """
Guard install over three VMAs with holes between them fails with ENOMEM
but guards every page of the VMAs; removal over the same range fails
with ENOMEM and unguards them; with incompatible VMAs (PROT_EXEC) in
the holes, install and remove over the whole range succeed.""")
def multi_vma(s):
    s.mmap_("$r", 100, "PROT_NONE")
    s.mmap_("$r", 10, fixed="$r")
    s.mmap_(a("r", 50), 5, fixed=a("r", 50))
    s.mmap_(a("r", 80), 20, fixed=a("r", 80))
    s.emit(f"munmap({a('r', 10)}, {hex(40 * PG)}) = 0")
    s.emit(f"munmap({a('r', 55)}, {hex(25 * PG)}) = 0")
    s.madv("$r", 100, "MADV_GUARD_INSTALL", "-1 ENOMEM (Cannot allocate memory)")
    s.rw_each("r", 0, 10)
    s.rw_each("r", 50, 55)
    s.rw_each("r", 80, 100)
    s.emit("dump installed")
    s.madv("$r", 100, "MADV_GUARD_REMOVE", "-1 ENOMEM (Cannot allocate memory)")
    s.rw("$r", 10)
    s.rw(a("r", 50), 5)
    s.rw(a("r", 80), 20)
    s.emit("dump removed")
    s.mmap_(a("r", 10), 40, "PROT_READ|PROT_WRITE|PROT_EXEC", fixed=a("r", 10))
    s.mmap_(a("r", 55), 25, "PROT_READ|PROT_WRITE|PROT_EXEC", fixed=a("r", 55))
    s.madv("$r", 100, "MADV_GUARD_INSTALL")
    s.rw_each("r", 0, 100)
    s.emit("dump all guarded")
    s.madv("$r", 100, "MADV_GUARD_REMOVE")
    s.rw("$r", 100)
    s.emit("dump all removed")
    s.emit(f"munmap($r, {hex(100 * PG)}) = 0")


@case("munmap", VARIANTS, """
munmap of guarded pages leaves no guard marker behind: mappings made
over them again are usable.""")
def munmap(s):
    s.mmap_("$p", 10)
    s.madv("$p", 1, "MADV_GUARD_INSTALL")
    s.madv(a("p", 9), 1, "MADV_GUARD_INSTALL")
    s.rw("$p")
    s.rw(a("p", 9))
    s.emit(f"munmap($p, {hex(PG)}) = 0")
    s.emit(f"munmap({a('p', 9)}, {hex(PG)}) = 0")
    s.mmap_("$p", 1, fixed="$p")
    s.mmap_(a("p", 9), 1, fixed=a("p", 9))
    s.rw("$p")
    s.rw(a("p", 9))
    s.emit("dump remapped")
    s.emit(f"munmap($p, {hex(10 * PG)}) = 0")


@case("mprotect", VARIANTS, """
mprotect has no bearing on guard markers: guard pages made read-only
still fault, can be guarded again, and are readable once removed.""")
def mprotect(s):
    s.mmap_("$p", 10)
    s.madv(a("p", 5), 2, "MADV_GUARD_INSTALL")
    s.rw(a("p", 5))
    s.rw(a("p", 6))
    s.emit(f"mprotect({a('p', 5)}, {hex(2 * PG)}, PROT_READ) = 0")
    s.r(a("p", 5))
    s.r(a("p", 6))
    s.madv(a("p", 5), 2, "MADV_GUARD_INSTALL")
    s.r(a("p", 5))
    s.r(a("p", 6))
    s.emit("dump read-only")
    s.madv("$p", 10, "MADV_GUARD_REMOVE")
    s.r("$p", 10)
    s.emit("dump removed")
    s.emit(f"munmap($p, {hex(10 * PG)}) = 0")


@case("split_merge", VARIANTS, """
Guard pages survive VMA splits (munmap, mprotect) and merges; munmap
drops the guard pages it unmaps, so mappings made there again are
usable; removal over split VMAs works, and they merge again.""")
def split_merge(s):
    s.mmap_("$p", 10)
    s.madv("$p", 10, "MADV_GUARD_INSTALL")
    s.rw_each("p", 0, 10)
    for i in (2, 5, 8):
        s.emit(f"munmap({a('p', i)}, {hex(PG)}) = 0")
    s.rw_each("p", 0, 2)
    s.rw_each("p", 2, 5)
    s.rw_each("p", 6, 8)
    s.rw_each("p", 9, 10)
    s.emit("dump split")
    for i in (2, 5, 8):
        s.mmap_(a("p", i), 1, fixed=a("p", i))
    s.rw_each("p", 0, 10)
    s.emit("dump remapped")
    s.madv("$p", 10, "MADV_GUARD_INSTALL")
    s.rw_each("p", 0, 10)
    s.emit(f"mprotect($p, {hex(3 * PG)}, PROT_READ) = 0")
    s.emit(f"mprotect({a('p', 7)}, {hex(3 * PG)}, PROT_READ) = 0")
    s.r_each("p", 0, 10)
    s.emit(f"mprotect($p, {hex(3 * PG)}, PROT_READ|PROT_WRITE) = 0")
    s.emit(f"mprotect({a('p', 7)}, {hex(3 * PG)}, PROT_READ|PROT_WRITE) = 0")
    s.rw_each("p", 0, 10)
    s.emit("dump merged")
    s.emit(f"mprotect($p, {hex(3 * PG)}, PROT_READ) = 0")
    s.emit(f"mprotect({a('p', 7)}, {hex(3 * PG)}, PROT_READ) = 0")
    s.madv("$p", 10, "MADV_GUARD_REMOVE")
    s.r("$p", 10)
    s.emit(f"mprotect($p, {hex(3 * PG)}, PROT_READ|PROT_WRITE) = 0")
    s.emit(f"mprotect({a('p', 7)}, {hex(3 * PG)}, PROT_READ|PROT_WRITE) = 0")
    s.rw("$p", 10)
    s.emit("dump end")
    s.emit(f"munmap($p, {hex(10 * PG)}) = 0")


@case("dontneed", VARIANTS, """
MADV_DONTNEED keeps guard markers: every other page stays guarded; the
others read zeros (anon) or what was written to the file ('y').""")
def dontneed(s):
    s.mmap_("$p", 10)
    s.w("$p", 10, 0x79)
    for i in range(0, 10, 2):
        s.madv(a("p", i), 1, "MADV_GUARD_INSTALL")
    s.madv("$p", 10, "MADV_DONTNEED")
    for i in range(10):
        s.r(a("p", i))
        s.w(a("p", i))
    s.emit("dump after")
    s.emit(f"munmap($p, {hex(10 * PG)}) = 0")


@case("mlock", VARIANTS, """
Guard install in an mlocked range fails with EINVAL; after munlock it
works; the pages after the guard pages can be locked, and guard pages
can be removed from a range that has locked pages.""")
def mlock(s):
    s.mmap_("$p", 10)
    s.w("$p", 10, 0x79)
    s.emit(f"mlock($p, {hex(10 * PG)}) = 0")
    s.madv("$p", 10, "MADV_GUARD_INSTALL", "-1 EINVAL (Invalid argument)")
    s.emit(f"munlock($p, {hex(10 * PG)}) = 0")
    s.madv("$p", 5, "MADV_GUARD_INSTALL")
    for i in range(10):
        s.rw(a("p", i))
        if i >= 5:
            s.r(a("p", i))
    s.emit(f"mlock({a('p', 5)}, {hex(5 * PG)}) = 0")
    s.emit("dump locked")
    s.madv("$p", 10, "MADV_GUARD_REMOVE")
    s.rw("$p", 10)
    s.emit("dump removed")
    s.emit(f"munmap($p, {hex(10 * PG)}) = 0")


@case("mremap_move", VARIANTS, """
Guard markers move with their mapping when mremap moves it.""")
def mremap_move(s):
    s.mmap_("$p", 5)
    s.madv("$p", 1, "MADV_GUARD_INSTALL")
    s.madv(a("p", 4), 1, "MADV_GUARD_INSTALL")
    s.rw("$p")
    s.rw(a("p", 4))
    s.mmap_("$q", 5, "PROT_NONE")
    s.emit(f"mremap($p, {hex(5 * PG)}, {hex(5 * PG)}, MREMAP_MAYMOVE|MREMAP_FIXED, $q) = $q")
    s.rw("$q")
    s.rw(a("q", 4))
    s.emit("dump moved")
    s.emit(f"munmap($q, {hex(5 * PG)}) = 0")


@case("mremap_expand", VARIANTS, """
Guard markers stay where they were when mremap expands the mapping, in
place and moving it.""")
def mremap_expand(s):
    s.mmap_("$p", 10)
    s.emit(f"munmap({a('p', 5)}, {hex(5 * PG)}) = 0")
    s.madv("$p", 1, "MADV_GUARD_INSTALL")
    s.madv(a("p", 4), 1, "MADV_GUARD_INSTALL")
    s.rw("$p")
    s.rw(a("p", 4))
    s.emit(f"mremap($p, {hex(5 * PG)}, {hex(10 * PG)}, 0) = $p")
    s.rw("$p")
    s.rw(a("p", 4))
    s.emit("dump expanded")
    s.mmap_("$q", 20, "PROT_NONE")
    s.emit(f"mremap($p, {hex(10 * PG)}, {hex(20 * PG)}, MREMAP_MAYMOVE|MREMAP_FIXED, $q) = $q")
    s.rw("$q")
    s.rw(a("q", 4))
    s.emit("dump moved")
    s.emit(f"munmap($q, {hex(20 * PG)}) = 0")


@case("mremap_shrink", VARIANTS, """
An mremap shrink drops the guard markers of the part it removes; the
others stay, also when the mapping grows back.""")
def mremap_shrink(s):
    s.mmap_("$p", 5)
    s.madv("$p", 1, "MADV_GUARD_INSTALL")
    s.madv(a("p", 4), 1, "MADV_GUARD_INSTALL")
    s.rw("$p")
    s.rw(a("p", 4))
    s.emit(f"mremap($p, {hex(5 * PG)}, {hex(3 * PG)}, MREMAP_MAYMOVE) = $p")
    s.rw("$p")
    s.rw(a("p", 1), 2)
    s.emit(f"mremap($p, {hex(3 * PG)}, {hex(5 * PG)}, 0) = $p")
    s.rw("$p")
    s.rw(a("p", 1), 4)
    s.emit("dump grown")
    s.emit(f"munmap($p, {hex(5 * PG)}) = 0")


@case("fork", VARIANTS, """
A fork child has the parent's guard pages; its MADV_GUARD_REMOVE does
not change the parent's.""")
def fork(s):
    s.mmap_("$p", 10)
    s.madv("$p", 5, "MADV_GUARD_INSTALL")
    s.emit("fork")
    s.emit("process 1")
    s.rw_each("p", 0, 10)
    s.madv("$p", 10, "MADV_GUARD_REMOVE")
    s.emit("dump child")
    s.emit("exit")
    s.rw_each("p", 0, 10)
    s.emit("dump parent")
    s.emit(f"munmap($p, {hex(10 * PG)}) = 0")


@case("fork_cow", ["anon"], """
A fork child sees the parent's data copy-on-write; guard install and
removal in the child leave it zero pages, and the parent's data as it
was (byte i of the range is 'a' + i % 26: here the first byte of each
page).""")
def fork_cow(s):
    s.mmap_("$p", 10)
    for i in range(10):
        s.w(a("p", i), None, 0x61 + (i * PG) % 26)
    s.emit("fork")
    s.emit("process 1")
    s.r("$p", 10)
    s.madv("$p", 10, "MADV_GUARD_INSTALL")
    s.madv("$p", 10, "MADV_GUARD_REMOVE")
    s.r("$p", 10)
    s.emit("dump child")
    s.emit("exit")
    s.r("$p", 10)
    s.emit("dump parent")
    s.emit(f"munmap($p, {hex(10 * PG)}) = 0")


@case("fork_wipeonfork", ["anon"], """
A fork child does not get the guard pages of a MADV_WIPEONFORK range;
the parent keeps them.""")
def fork_wipeonfork(s):
    s.mmap_("$p", 10)
    s.madv("$p", 10, "MADV_WIPEONFORK")
    s.madv("$p", 5, "MADV_GUARD_INSTALL")
    s.emit("fork")
    s.emit("process 1")
    s.rw("$p", 10)
    s.emit("dump child")
    s.emit("exit")
    s.rw_each("p", 0, 10)
    s.emit("dump parent")
    s.emit(f"munmap($p, {hex(10 * PG)}) = 0")


@case("lazyfree", ["anon"], """
MADV_FREE keeps guard markers.""")
def lazyfree(s):
    s.mmap_("$p", 10)
    s.madv("$p", 10, "MADV_GUARD_INSTALL")
    s.rw_each("p", 0, 10)
    s.madv("$p", 10, "MADV_FREE")
    s.rw_each("p", 0, 10)
    s.emit("dump after")
    s.emit(f"munmap($p, {hex(10 * PG)}) = 0")


@case("populate", VARIANTS, """
MADV_POPULATE_READ and MADV_POPULATE_WRITE over guard pages fail with
EFAULT.""")
def populate(s):
    s.mmap_("$p", 10)
    s.madv("$p", 10, "MADV_GUARD_INSTALL")
    s.madv("$p", 10, "MADV_POPULATE_READ", "-1 EFAULT (Bad address)")
    s.madv("$p", 10, "MADV_POPULATE_WRITE", "-1 EFAULT (Bad address)")
    s.emit("dump after")
    s.emit(f"munmap($p, {hex(10 * PG)}) = 0")


@case("cold_pageout", VARIANTS, """
MADV_COLD and MADV_PAGEOUT keep guard markers.""")
def cold_pageout(s):
    s.mmap_("$p", 10)
    s.madv("$p", 10, "MADV_GUARD_INSTALL")
    s.rw_each("p", 0, 10)
    s.madv("$p", 10, "MADV_COLD")
    s.rw_each("p", 0, 10)
    s.madv("$p", 10, "MADV_PAGEOUT")
    s.rw_each("p", 0, 10)
    s.emit("dump after")
    s.emit(f"munmap($p, {hex(10 * PG)}) = 0")


@case("madvise_sequential", ["shmem", "file"], """
MADV_SEQUENTIAL (aggressive readahead) then guard pages on every other
page and MADV_PAGEOUT: guard pages fault, the others read the data
written to the file (page i holds 'a' + i), also after removal.""")
def madvise_sequential(s):
    s.mmap_("$p", 10)
    s.pattern("p", 10)
    s.r("$p", 10)
    s.madv("$p", 10, "MADV_SEQUENTIAL")
    for i in range(0, 10, 2):
        s.madv(a("p", i), 1, "MADV_GUARD_INSTALL")
    s.madv("$p", 10, "MADV_PAGEOUT")
    for i in range(10):
        if i % 2 == 0:
            s.rw(a("p", i))
        else:
            s.r(a("p", i))
    s.emit("dump guarded")
    s.madv("$p", 10, "MADV_GUARD_REMOVE")
    s.r("$p", 10)
    s.emit("dump removed")
    s.emit(f"munmap($p, {hex(10 * PG)}) = 0")


@case("map_private", ["shmem", "file"], """
Guard pages in a MAP_SHARED and a MAP_PRIVATE mapping of the same file
are independent; installing them in the private mapping zaps its
private copies there, which after removal read the file again (page i
of the file holds 'a' + i).""")
def map_private(s):
    s.mmap_("$s", 10)
    s.mmap_("$v", 10, private=True)
    s.pattern("s", 10)
    for i in range(0, 10, 2):
        s.madv(a("s", i), 1, "MADV_GUARD_INSTALL")
    for i in range(10):
        s.r(a("s", i))
        s.r(a("v", i))
    for i in range(0, 10, 2):
        s.madv(a("v", i), 1, "MADV_GUARD_INSTALL")
    for i in range(10):
        s.r(a("s", i))
        s.r(a("v", i))
    s.madv("$s", 10, "MADV_GUARD_REMOVE")
    for i in range(10):
        s.r(a("s", i))
        s.r(a("v", i))
    s.madv("$v", 10, "MADV_GUARD_REMOVE")
    for i in range(10):
        s.r(a("s", i))
        s.r(a("v", i))
    s.r("$s", 10)
    s.r("$v", 10)
    for i in range(0, 10, 2):
        s.w(a("v", i), None, 0x61 + i)
    s.emit("dump private copies")
    s.madv("$v", 5, "MADV_GUARD_INSTALL")
    for i in range(10):
        s.r(a("v", i))
        s.r(a("s", i))
    s.madv("$v", 10, "MADV_GUARD_REMOVE")
    for i in range(10):
        s.r(a("v", i))
        if i < 5 or i % 2 == 0:
            s.r(a("s", i))
    s.emit("dump end")
    s.emit(f"munmap($s, {hex(10 * PG)}) = 0")
    s.emit(f"munmap($v, {hex(10 * PG)}) = 0")


@case("readonly_file", ["file"], """
Guard pages in a read-only mapping of a file opened read-only: every
other page faults; after removal the data written before (page i holds
'a' + i) reads back.""")
def readonly_file(s):
    f = FILE_NAME["file"]
    s.mmap_("$p", 10)
    s.pattern("p", 10)
    s.emit(f"munmap($p, {hex(10 * PG)}) = 0")
    s.emit("close(3) = 0")
    s.emit(f'openat(AT_FDCWD, "{f}", O_RDONLY) = 3')
    s.mmap_("$q", 10, "PROT_READ")
    for i in range(0, 10, 2):
        s.madv(a("q", i), 1, "MADV_GUARD_INSTALL")
    s.r_each("q", 0, 10)
    s.emit("dump guarded")
    s.madv("$q", 10, "MADV_GUARD_REMOVE")
    s.r("$q", 10)
    s.emit("dump removed")
    s.emit(f"munmap($q, {hex(10 * PG)}) = 0")


@case("fault_around", ["shmem", "file"], """
Fault-around does not map over guard pages: with every even page
guarded, reading the odd pages leaves the even ones guarded.""")
def fault_around(s):
    s.mmap_("$p", 10)
    s.pattern("p", 10)
    s.madv("$p", 10, "MADV_PAGEOUT")
    s.emit(f"munmap($p, {hex(10 * PG)}) = 0")
    s.mmap_("$q", 10)
    for i in range(0, 10, 2):
        s.madv(a("q", i), 1, "MADV_GUARD_INSTALL")
    for i in range(1, 10, 2):
        s.r(a("q", i))
    s.emit("dump faulted")
    s.r_each("q", 0, 10)
    s.emit("dump end")
    s.emit(f"munmap($q, {hex(10 * PG)}) = 0")


@case("truncation", ["shmem", "file"], """
Truncating the file (to the mapping's size, then to half and back)
leaves the guard pages in place.""")
def truncation(s):
    s.mmap_("$p", 10)
    s.pattern("p", 10)
    for i in range(0, 10, 2):
        s.madv(a("p", i), 1, "MADV_GUARD_INSTALL")
    s.rw_each("p", 0, 10)
    s.emit(f"ftruncate(3, {hex(10 * PG)}) = 0")
    s.rw_each("p", 0, 10)
    s.emit("dump truncated")
    s.emit(f"ftruncate(3, {hex(5 * PG)}) = 0")
    s.emit(f"ftruncate(3, {hex(10 * PG)}) = 0")
    s.rw_each("p", 0, 10)
    s.emit("dump end")
    s.emit(f"munmap($p, {hex(10 * PG)}) = 0")


@case("hole_punch", ["shmem", "file"], """
MADV_REMOVE (a hole punched in the file) over guard pages keeps them;
after removal the hole reads zeros and the rest of the file its data
(page i holds 'a' + i).""")
def hole_punch(s):
    s.mmap_("$p", 10)
    s.pattern("p", 10)
    s.madv(a("p", 3), 4, "MADV_GUARD_INSTALL")
    s.r_each("p", 0, 10)
    s.madv(a("p", 3), 4, "MADV_REMOVE")
    s.r_each("p", 0, 10)
    s.emit("dump punched")
    s.madv("$p", 10, "MADV_GUARD_REMOVE")
    s.r("$p", 3)
    s.r(a("p", 3), 4)
    s.r(a("p", 7), 3)
    s.emit("dump end")
    s.emit(f"munmap($p, {hex(10 * PG)}) = 0")


@case("anon_zeropage", ["anon", "shmem"], """
Guard pages in a read-only mapping (the zero page for anonymous
memory): every other page faults; after removal every page reads
zeros.""")
def anon_zeropage(s):
    s.mmap_("$p", 10, "PROT_READ")
    for i in range(0, 10, 2):
        s.madv(a("p", i), 1, "MADV_GUARD_INSTALL")
    s.r_each("p", 0, 10)
    s.emit("dump guarded")
    s.madv("$p", 10, "MADV_GUARD_REMOVE")
    s.r("$p", 10)
    s.r("$p", 10)
    s.emit("dump removed")
    s.emit(f"munmap($p, {hex(10 * PG)}) = 0")


def main():
    os.makedirs(OUT, exist_ok=True)
    n = 0
    for test, variants, what, fn in CASES:
        for v in variants:
            s = S(test, v, what)
            s.setup()
            fn(s)
            name = f"guard-regions-{test.replace('_', '-')}-{v}.mms"
            with open(os.path.join(OUT, name), "w") as f:
                f.write(s.text())
            n += 1
    print(n, "cases")


main()
