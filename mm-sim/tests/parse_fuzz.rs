//! Random input never makes the parser or the runner panic: it either runs
//! or is refused with a line number.

use mm_sim::{RunOptions, parse, run};
use proptest::prelude::*;

fn line() -> impl Strategy<Value = String> {
    let num = prop_oneof![
        Just("0".to_string()),
        Just("0x100000000".to_string()),
        Just("0xffffffffffffffff".to_string()),
        Just("4096".to_string()),
        Just("NULL".to_string()),
        any::<u64>().prop_map(|v| format!("{v:#x}")),
        (0u64..64).prop_map(|v| format!("{}", v * 4096)),
        "[0-9a-zA-Z_|<>\" -]{0,12}",
    ];
    let prot =
        prop::sample::select(vec!["PROT_READ", "PROT_READ|PROT_WRITE", "PROT_NONE", "PROT_EXEC|PROT_WRITE", "0"]);
    let flags = prop::sample::select(vec![
        "MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED",
        "MAP_PRIVATE|MAP_ANONYMOUS",
        "MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE|MAP_FIXED",
        "MAP_ANONYMOUS|MAP_FIXED_NOREPLACE",
        "MAP_PRIVATE|MAP_ANONYMOUS|MAP_GROWSDOWN|MAP_FIXED",
        "MAP_PRIVATE",
    ]);
    prop_oneof![
        (num.clone(), num.clone(), prot.clone(), flags)
            .prop_map(|(a, l, p, f)| format!("mmap({a}, {l}, {p}, {f}, -1, 0)")),
        (num.clone(), num.clone()).prop_map(|(a, l)| format!("munmap({a}, {l})")),
        (num.clone(), num.clone(), prot).prop_map(|(a, l, p)| format!("mprotect({a}, {l}, {p})")),
        (num.clone(), num.clone(), num.clone(), num.clone())
            .prop_map(|(a, b, c, d)| format!("mremap({a}, {b}, {c}, MREMAP_MAYMOVE|MREMAP_FIXED, {d})")),
        (num.clone(), num.clone()).prop_map(|(a, l)| format!("madvise({a}, {l}, MADV_DONTNEED)")),
        num.clone().prop_map(|a| format!("brk({a})")),
        (num.clone(), (0u64..8192)).prop_map(|(a, l)| format!("load {a} {l}")),
        (num.clone(), (0u64..8192)).prop_map(|(a, l)| format!("store {a} {l} 7")),
        Just("dump".to_string()),
        "[ -~]{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_scenarios_run_or_are_refused(lines in prop::collection::vec(line(), 0..25)) {
        let src = lines.join("\n");
        if let Ok(s) = parse(src.as_bytes()) {
            let _ = run(&s, &RunOptions::default());
        }
    }

    #[test]
    fn random_bytes_are_parsed_or_refused(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        if let Err(e) = parse(&bytes) {
            prop_assert!(e.line >= 1);
        }
    }
}
