#!/usr/bin/env python3
"""gen-probe.py --seed N [--ops K] [--pie] [--more] [--touch] : print a random operation list
for the probe (mm-tests/programs/probe/probe.c), a case that starts from a
real exec of the probe and exercises what the exec layout makes
interesting:

- mmap(NULL) of many sizes: small, medium, 2 MiB multiples (THP alignment
  of anonymous mappings), a page more or less than those, large;
- hints that are taken or not: next to or inside earlier mappings, above
  the heap, inside the stack's guard gap, below mmap_min_addr, unaligned,
  beyond the 47-bit address space, far away;
- MAP_FIXED over parts of earlier mappings, MAP_FIXED_NOREPLACE,
  MAP_POPULATE, shared anonymous memory;
- brk growth and shrink, below the start of the heap, and into mappings
  placed right above it by hints;
- mremap MREMAP_MAYMOVE growth, and shrinking in place;
- munmap holes that later mmap(NULL) of the same or smaller size fill;
- mprotect and madvise of parts of mappings (splitting them);
- file mappings of the files the case lists (`# file NAME SIZE`: the
  recorder creates them next to the probe, sparse), of 2 MiB and more
  too (2 MiB placement on ext4), private and shared, at offsets;
- with --more also MREMAP_MAYMOVE|MREMAP_FIXED, MREMAP_DONTUNMAP,
  MAP_GROWSDOWN mappings and MAP_STACK (VM_NOHUGEPAGE);
- with --touch also loads and stores of pages that are surely mapped
  and accessible, and stores below the stack that grow it (at fixed
  addresses: without randomization the stack's place is known).  strace
  does not show them; the test puts them into the log from the list.
  Without --touch there are none;
- a copy of /proc/self/maps at the end (`maps`), sometimes one in the
  middle too.

The generator keeps track of what is mapped, page by page, with the
results of earlier lines as the probe's registers (`rK`), so that
operations land on mappings (or on holes where they mean to).  The same
arguments always give the same list.  With --pie the case is meant for
probe-pie (the `# binary` line says which binary the recorder runs)."""
import argparse
import random

PAGE = 4096
MB2 = 2 << 20
PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS = 0x1, 0x2, 0x10, 0x20
MAP_NORESERVE, MAP_POPULATE, MAP_FIXED_NOREPLACE = 0x4000, 0x8000, 0x100000
MAP_GROWSDOWN, MAP_STACK = 0x100, 0x20000
MREMAP_MAYMOVE, MREMAP_FIXED, MREMAP_DONTUNMAP = 1, 2, 4
# --more: targets of MREMAP_FIXED, apart from everything else
FAR_BASE = 0x600000000
FAR_STEP = 64 << 20
O_RDONLY, O_RDWR = 0, 2
# advice: number, whether it changes vm_flags (splits a VMA)
ADVICE = [(4, False)] * 4 + [(3, False), (0, True), (1, True), (2, True), (8, False)]
PROTS = [PROT_READ | PROT_WRITE] * 8 + [PROT_READ] * 3 + [0, PROT_READ | PROT_EXEC, 7]
FILE_SIZES = [PAGE, 3 * PAGE + 100, 40 * PAGE, 100 * PAGE + 7, MB2, MB2 + 5000, 3 << 20, 4 << 20,
              (8 << 20) + PAGE]
# The initial stack VMA ends at STACK_TOP and spans 33 pages; a hint below
# it whose range ends within stack_guard_gap (1 MiB) of it is refused.
STACK_TOP = 0x7ffffffff000
STACK_START = STACK_TOP - 33 * PAGE
GUARD_GAP = 256 * PAGE
# --touch: how far below its first page a store may grow the stack
MAX_STACK_PAGES = 200


def h(v):
    return "0x%x" % v if v >= 0 else "-0x%x" % -v


class Region:
    """Pages mapped by one successful call: page i is `attr[i]` (None when
    unmapped or replaced), attr = (prot, advice-flags) ."""

    def __init__(self, reg, pages, prot, kind, shared, writable_file=True, file_pages=0):
        self.reg = reg
        self.attr = [(prot, 0)] * pages
        self.kind = kind            # "anon" or "file" (shared anonymous too)
        self.file_pages = file_pages  # pages with file (or shmem) behind them
        self.shared = shared
        self.writable_file = writable_file
        self.pristine = True        # one VMA's worth, never split

    def at(self, i, byte=0):
        """The operand for page i (and byte `byte` of it)."""
        off = i * PAGE + byte
        if not off:
            return "r%d" % self.reg
        return "r%d%s%s" % (self.reg, "+" if off > 0 else "", h(off))

    def mapped(self):
        return any(a is not None for a in self.attr)

    def runs(self):
        """(start, length) of runs of mapped pages with equal attributes."""
        out, i, n = [], 0, len(self.attr)
        while i < n:
            if self.attr[i] is None:
                i += 1
                continue
            j = i
            while j < n and self.attr[j] == self.attr[i]:
                j += 1
            out.append((i, j - i))
            i = j
        return out


class Gen:
    def __init__(self, seed, ops, pie, more=False, touch=False):
        self.r = random.Random(seed)
        self.seed, self.nops, self.pie, self.more, self.touch = seed, ops, pie, more, touch
        self.stack_pages = 0
        self.far = FAR_BASE + (seed % 64) * FAR_STEP
        self.out = []
        self.files = []     # (name, size)
        self.fds = {}       # register -> (name, size, mode)
        self.regions = []
        self.brk = None     # register holding the current break
        self.holes = []     # sizes (pages) of recent munmap holes

    def emit(self, s):
        """Adds a line; returns its number, the register holding its result."""
        self.out.append(s)
        return len(self.out)

    # ---- sizes and places ----
    def size(self):
        r = self.r
        if self.holes and r.random() < 0.3:
            n = r.choice(self.holes)
            return max(1, n - r.choice([0, 0, 0, 1, n // 2]))
        x = r.random()
        if x < 0.35:
            return r.randint(1, 16)
        if x < 0.55:
            return r.randint(17, 300)
        if x < 0.75:
            return 512 * r.randint(1, 4)
        if x < 0.87:
            return 512 * r.randint(1, 3) + r.choice([-3, -1, 1, 2])
        return r.randint(600, 3000)

    def hint(self, n):
        """(hint, kind) for a mapping of n pages: taken or not."""
        r = self.r
        k = r.choices(["region", "brk", "gap", "low", "far", "high", "odd"], [6, 3, 2, 1, 2, 1, 1])[0]
        live = [g for g in self.regions[-10:] if g.mapped()]
        if k == "region" and live:
            g = r.choice(live)
            return g.at(r.randint(-n - 2, len(g.attr) + 2)), k
        if k == "brk" and self.brk is not None:
            return "r%d+%s" % (self.brk, h(r.choice([0, 1, 2, 16, 64, 300]) * PAGE)), k
        if k == "gap":
            # refused as a hint; taken with MAP_FIXED_NOREPLACE
            return h(STACK_START - GUARD_GAP + r.randrange(GUARD_GAP // PAGE) * PAGE), k
        if k == "low":
            return h(r.choice([0x1000, 0x2000, 0x3ff000, 0x10000000])), k
        if k == "high":
            return h(r.choice([0x800000000000 - n * PAGE + PAGE, 0x800000000000, 0xffff800000000000])), k
        if k == "odd":
            return h(0x300000000 + r.randrange(1 << 16) * PAGE + r.randrange(1, PAGE)), k
        return h(r.choice([0x200000000, 0x7f0000000000, 0x555555600000, 0x100000000])
                 + r.randrange(4096) * PAGE), "far"

    def pick(self, need_pristine=False):
        """A recent region with mapped pages, or None."""
        live = [g for g in self.regions[-12:] if g.mapped() and (g.pristine or not need_pristine)]
        return self.r.choice(live) if live else None

    def subrange(self, g):
        """(start, pages) inside one run of g."""
        start, n = self.r.choice(g.runs())
        k = self.r.randrange(n)
        return start + k, self.r.randint(1, n - k)

    # ---- operations ----
    def op_mmap(self, fixed=False):
        r = self.r
        kind = r.choices(["anon", "file", "shared"], [12, 5 if self.files else 0, 1])[0]
        prot = r.choice(PROTS)
        flags = MAP_PRIVATE | MAP_ANONYMOUS
        fd, off, fpages, mode = -1, 0, 0, O_RDWR
        n = self.size()
        if kind == "shared":
            flags = MAP_SHARED | MAP_ANONYMOUS
        elif kind == "file":
            if not self.fds or r.random() < 0.15:
                self.op_open()
            freg = r.choice(sorted(self.fds))
            name, fsize, mode = self.fds[freg]
            fpages_all = (fsize + PAGE - 1) // PAGE
            opage = r.choice([0, 0, 0, r.randrange(fpages_all), 512 if fpages_all > 512 else 1])
            off = opage * PAGE
            fpages = max(0, fpages_all - opage)
            n = r.choice([fpages_all, max(1, fpages), r.randint(1, 40), n])
            flags = r.choice([MAP_PRIVATE, MAP_PRIVATE, MAP_SHARED])
            fd = "r%d" % freg
        sure = True
        where = "0"
        shape = "null"
        g_fixed = None
        if fixed and self.pick():
            g_fixed = self.pick()
            i, n = self.subrange(g_fixed)
            where = g_fixed.at(i)
            flags |= MAP_FIXED
            shape = "fixed"
        elif r.random() < 0.3:
            where, hk = self.hint(n)
            shape = "hint"
            # (with --touch never in the stack's guard gap: the stack
            # could not grow past it)
            if r.random() < 0.15 and not (self.touch and hk == "gap"):
                flags |= MAP_FIXED_NOREPLACE
                sure = False
        if r.random() < 0.05 and n <= 600:
            flags |= MAP_POPULATE
        if r.random() < 0.05:
            flags |= MAP_NORESERVE
        if self.more and kind == "anon" and r.random() < 0.15:
            flags |= MAP_STACK      # VM_NOHUGEPAGE
        if kind == "file" and flags & MAP_SHARED and prot & PROT_WRITE and mode == O_RDONLY:
            sure = False    # EACCES
        reg = self.emit("mmap %s %s %d %s %s %s" % (where, h(n * PAGE), prot, h(flags),
                                                  fd if isinstance(fd, str) else str(fd), h(off)))
        if not sure:
            return
        if g_fixed is not None:
            for j in range(i, i + n):
                g_fixed.attr[j] = None
            g_fixed.pristine = False
        # shared anonymous memory is a shmem file of the mapping's size:
        # beyond it (after mremap growth) is SIGBUS, as beyond a file's end
        g = Region(reg, n, prot, "anon" if kind == "anon" else "file", bool(flags & MAP_SHARED), mode == O_RDWR,
                   {"file": fpages, "shared": n}.get(kind, 0))
        self.regions.append(g)

    def op_open(self):
        r = self.r
        name, size = r.choice(self.files)
        mode = O_RDWR if r.random() < 0.6 else O_RDONLY
        reg = self.emit("open %s %d" % (name, mode))
        self.fds[reg] = (name, size, mode)

    def op_close(self):
        if not self.fds:
            return self.op_open()
        reg = self.r.choice(sorted(self.fds))
        del self.fds[reg]
        self.emit("close r%d" % reg)

    def op_munmap(self):
        g = self.pick()
        if g is None:
            return self.op_mmap()
        i, n = self.subrange(g)
        if self.r.random() < 0.3:
            # a run and what lies after it, holes included; not with
            # --touch: the kernel may have placed a mapping in a hole, and
            # its pages would go without the generator knowing
            m = self.r.randint(n, len(g.attr) - i)
            if not self.touch:
                n = m
        self.emit("munmap %s %s" % (g.at(i), h(n * PAGE)))
        for j in range(i, i + n):
            g.attr[j] = None
        g.pristine = False
        self.holes = (self.holes + [n])[-6:]

    def op_mprotect(self):
        g = self.pick()
        if g is None:
            return self.op_mmap()
        i, n = self.subrange(g)
        prot = self.r.choice(PROTS)
        self.emit("mprotect %s %s %d" % (g.at(i), h(n * PAGE), prot))
        if g.kind == "file" and g.shared and prot & PROT_WRITE and not g.writable_file:
            return  # EACCES, nothing changed
        for j in range(i, i + n):
            g.attr[j] = (prot, g.attr[j][1])
        g.pristine = False

    def op_madvise(self):
        g = self.pick()
        if g is None:
            return self.op_mmap()
        i, n = self.subrange(g)
        adv, splits = self.r.choice(ADVICE)
        self.emit("madvise %s %s %d" % (g.at(i), h(n * PAGE), adv))
        if splits:
            for j in range(i, i + n):
                g.attr[j] = (g.attr[j][0], adv)
            g.pristine = False

    def op_mremap(self):
        r = self.r
        g = self.pick(need_pristine=True)
        if g is None:
            return self.op_mmap()
        old = len(g.attr) if r.random() < 0.7 else r.randint(1, len(g.attr))
        if r.random() < 0.15 and old > 1:
            new = r.randint(1, old - 1)     # shrink in place
            self.emit("mremap %s %s %s 0 0" % (g.at(0), h(old * PAGE), h(new * PAGE)))
            for j in range(new, old):
                g.attr[j] = None
            g.pristine = False
            return
        new = r.choice([old + r.randint(1, 16), 2 * old, 512 * r.randint(1, 3), old + r.randint(17, 700)])
        new = max(new, old + 1)
        reg = self.emit("mremap %s %s %s %d 0" % (g.at(0), h(old * PAGE), h(new * PAGE), MREMAP_MAYMOVE))
        n2 = Region(reg, new, g.attr[0][0], g.kind, g.shared, g.writable_file, g.file_pages)
        for j in range(old):
            g.attr[j] = None
        g.pristine = False
        self.regions.append(n2)

    def op_mremap_fixed(self):
        """--more: MREMAP_MAYMOVE|MREMAP_FIXED to an address apart from all else."""
        r = self.r
        g = self.pick(need_pristine=True)
        if g is None:
            return self.op_mmap()
        old = len(g.attr) if r.random() < 0.7 else r.randint(1, len(g.attr))
        new = r.choice([old, old + r.randint(1, 16), 512])
        target = self.far + r.choice([0, 0x1000, 0x123000])
        self.far += FAR_STEP
        reg = self.emit("mremap %s %s %s %d %s" % (g.at(0), h(old * PAGE), h(new * PAGE),
                                                 MREMAP_MAYMOVE | MREMAP_FIXED, h(target)))
        n2 = Region(reg, new, g.attr[0][0], g.kind, g.shared, g.writable_file, g.file_pages)
        for j in range(old):
            g.attr[j] = None
        g.pristine = False
        self.regions.append(n2)

    def op_mremap_dontunmap(self):
        """--more: MREMAP_DONTUNMAP of a whole private anonymous mapping
        (the old one stays, emptied), kernel-placed or at a fixed address."""
        r = self.r
        live = [g for g in self.regions[-12:] if g.pristine and g.kind == "anon" and not g.shared]
        if not live:
            return self.op_mmap()
        g = r.choice(live)
        n = len(g.attr)
        if r.random() < 0.5:
            reg = self.emit("mremap %s %s %s %d 0" % (g.at(0), h(n * PAGE), h(n * PAGE),
                                                    MREMAP_MAYMOVE | MREMAP_DONTUNMAP))
        else:
            reg = self.emit("mremap %s %s %s %d %s" % (g.at(0), h(n * PAGE), h(n * PAGE),
                                                     MREMAP_MAYMOVE | MREMAP_DONTUNMAP | MREMAP_FIXED, h(self.far)))
            self.far += FAR_STEP
        g.pristine = False
        # Linux refuses some of these (EINVAL, e.g. after an mremap grew the
        # mapping in place): the new one is not tracked for loads and stores
        if not self.touch:
            self.regions.append(Region(reg, n, g.attr[0][0], "anon", False))

    def op_growsdown(self):
        """--more: a MAP_GROWSDOWN mapping (its guard gap refuses hints below it)."""
        r = self.r
        n = r.randint(1, 16)
        where = self.hint(n)[0] if r.random() < 0.3 else "0"
        reg = self.emit("mmap %s %s %d %s -1 0x0" % (where, h(n * PAGE), PROT_READ | PROT_WRITE,
                                                   h(MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN)))
        g = Region(reg, n, PROT_READ | PROT_WRITE, "anon", False)
        g.pristine = False
        self.regions.append(g)

    def op_access(self):
        """--touch: a load or store of a page that is surely mapped and
        accessible (within the file for file and shared mappings)."""
        r = self.r
        cands = []
        for g in self.regions[-12:]:
            for i, a in enumerate(g.attr):
                if a is None or not a[0] & PROT_READ:
                    continue
                if g.kind == "file" and i >= g.file_pages:
                    continue    # SIGBUS beyond the end of the file
                cands.append((g, i, a[0]))
        if not cands:
            return self.op_mmap()
        g, i, prot = r.choice(cands)
        at = g.at(i, r.randrange(PAGE))
        if prot & PROT_WRITE and r.random() < 0.6:
            self.emit("store %s" % at)
        else:
            self.emit("load %s" % at)

    def op_stack_store(self):
        """--touch: a store below the stack, which grows it (an absolute
        address: the stack's place is fixed without randomization)."""
        if self.stack_pages >= MAX_STACK_PAGES:
            return self.op_access()
        self.stack_pages = self.r.randint(self.stack_pages + 1, MAX_STACK_PAGES)
        self.emit("store %s" % h(STACK_START - self.stack_pages * PAGE + self.r.randrange(PAGE)))

    def op_brk(self):
        r = self.r
        if self.brk is None or r.random() < 0.1:
            self.brk = self.emit("brk 0")
            return
        x = r.random()
        if x < 0.6:
            d = r.choice([1, 2, 8, 33, 64, 300, 600]) * PAGE + r.choice([0, 0, 0, 0x123])
        elif x < 0.9:
            d = -r.choice([1, 2, 16, 64]) * PAGE + r.choice([0, 0, 0x800])
        else:
            d = -r.choice([0x100000, 0x40000000])   # below the start of the heap: refused
        self.brk = self.emit("brk r%d%s" % (self.brk, ("+" + h(d)) if d >= 0 else h(d)))

    def run(self):
        r = self.r
        self.emit("# generated: gen-probe.py --seed %d --ops %d%s%s" % (self.seed, self.nops,
                                                                        " --pie" if self.pie else "",
                                                                        " --more" if self.more else "")
                  + (" --touch" if self.touch else ""))
        self.emit("# binary %s" % ("probe-pie" if self.pie else "probe"))
        if r.random() < 0.7:
            for i in range(r.randint(1, 3)):
                size = r.choice(FILE_SIZES)
                self.files.append(("f%d" % i, size))
                self.emit("# file f%d %d" % (i, size))
        table = [(self.op_mmap, 30), (lambda: self.op_mmap(fixed=True), 4), (self.op_munmap, 12),
                 (self.op_mprotect, 8), (self.op_madvise, 4), (self.op_mremap, 9), (self.op_brk, 12),
                 ]
        if self.files:
            table += [(self.op_open, 2), (self.op_close, 2)]
        if self.more:
            table += [(self.op_mremap_fixed, 4), (self.op_mremap_dontunmap, 3), (self.op_growsdown, 3)]
        if self.touch:
            table += [(self.op_access, 12), (self.op_stack_store, 2)]
        fns = [f for f, _ in table]
        ws = [w for _, w in table]
        mid = r.randrange(self.nops) if r.random() < 0.2 else -1
        for i in range(self.nops):
            if i == 0:
                self.op_brk()
            elif i == mid:
                self.emit("maps")
            else:
                r.choices(fns, ws)[0]()
        self.emit("maps")
        return "\n".join(self.out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--ops", type=int, default=40)
    ap.add_argument("--pie", action="store_true", help="a case for probe-pie (static PIE) rather than probe")
    ap.add_argument("--more", action="store_true",
                    help="also MREMAP_FIXED, MREMAP_DONTUNMAP, MAP_GROWSDOWN and MAP_STACK (the same seed "
                         "without it gives what earlier versions gave)")
    ap.add_argument("--touch", action="store_true",
                    help="also loads and stores (and stores that grow the stack), which strace does not "
                         "show: the test puts them into the log from the list")
    a = ap.parse_args()
    print(Gen(a.seed, a.ops, a.pie, a.more, a.touch).run(), end="")


if __name__ == "__main__":
    main()
