//! Guard pages (`MADV_GUARD_INSTALL`) live in the page tables as markers:
//! after every way of moving, copying and removing them, the machine's
//! invariants hold (no marker outside a VMA, every count right), and the
//! bytes around them are the ones written.

use mm_sim::{RunOptions, parse, run_keep};

#[test]
fn guard_markers_go_with_their_vmas() {
    let src = b"\
window 0x100000000 0x100400000
file f 0x10000
openat(AT_FDCWD, \"f\", O_RDWR) = 3
mmap(0x100000000, 0x10000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 0x10000 7
madvise(0x100002000, 0x4000, MADV_GUARD_INSTALL) = 0
mmap(0x100010000, 0x10000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100010000
load 0x100010000 0x10000
madvise(0x100011000, 0x2000, MADV_GUARD_INSTALL) = 0
fork
mremap(0x100000000, 0x10000, 0x10000, MREMAP_MAYMOVE|MREMAP_FIXED, 0x100200000) = 0x100200000
munmap(0x100010000, 0x2000) = 0
process 1
madvise(0x100000000, 0x10000, MADV_DONTNEED) = 0
load 0x100001000 0x2000
load 0x100011000
munmap(0x100003000, 0x1000) = 0
madvise(0x100004000, 0x1000, MADV_GUARD_REMOVE) = 0
load 0x100004000
process 0
load 0x100201000 0x2000
load 0x100206000
dump
";
    let s = parse(src).unwrap();
    let (out, k) = run_keep(&s, &RunOptions::default()).unwrap();
    let violations = k.check_invariants();
    assert!(violations.is_empty(), "{violations:?}\n{out}");
    for line in [
        "# fault: line 15: SIGSEGV at 0x100002000",
        "# fault: line 16: SIGSEGV at 0x100011000",
        "# load: line 19: 00",
        "# fault: line 21: SIGSEGV at 0x100202000",
        "# load: line 22: 07",
    ] {
        assert!(out.lines().any(|l| l == line), "no `{line}` in\n{out}");
    }
}
