//! The README's "Choose and write backends", followed as its reader would:
//! its manifest and source blocks become a crate outside the workspace,
//! and its commands run in it.  The crate's own tests must run the shared
//! allocator suite on its allocator, its `mmsim` must list its allocator
//! and policy, and a run under memory pressure with both must print what
//! the built-in backends print (but for the fault counts and the resident
//! pages, which are theirs to decide) and swap pages out.  A snippet that
//! no longer builds, or instructions that miss a step, fail here.
//!
//! The only changes to the README's text: the crate's path dependencies
//! and the scenario point at this checkout instead of `../mmsim`, the
//! manifest gets a `[workspace]` of its own and the workspace's profiles,
//! the workspace's `Cargo.lock` is copied next to it, and cargo runs with
//! `--offline` into the workspace's target directory.  So nothing is
//! resolved or downloaded anew, the registry crates built with the same
//! features are shared, and once the crate's own copy of the mmsim crates
//! is built (the first run), a run compiles only the crate itself.

use mm_sim::RunOptions;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The README section this test follows.
const HEADING: &str = "## Choose and write backends";
/// Where the README puts the crate: next to a checkout of mmsim.
const CHECKOUT: &str = "../mmsim/";
/// The first line of the block of commands to run in the crate.
const IN_CRATE: &str = "# in my-backends";
/// A cold build of the crate (its own copy of the simulator) takes a few
/// minutes on two cores; twenty mean something hangs.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(20 * 60);

/// A fenced code block: its info string, the README line of its opening
/// fence, and its text.
#[derive(Debug)]
struct Block {
    info: String,
    line: usize,
    text: String,
}

/// The fenced code blocks of the section under `heading`, up to the next
/// `## ` heading.
fn section_blocks(readme: &str, heading: &str) -> Result<Vec<Block>, String> {
    let mut lines = readme.lines().enumerate().skip_while(|(_, l)| l.trim_end() != heading);
    if lines.next().is_none() {
        return Err(format!("no section '{heading}'"));
    }
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (i, l) in lines {
        match (&mut open, l.strip_prefix("```")) {
            (None, Some(info)) => {
                open = Some(Block { info: info.trim().to_string(), line: i + 1, text: String::new() })
            }
            (Some(_), Some("")) => blocks.extend(open.take()),
            (Some(b), _) => {
                b.text.push_str(l);
                b.text.push('\n');
            }
            (None, None) if l.starts_with("## ") => break,
            (None, None) => {}
        }
    }
    match open {
        Some(b) => Err(format!("line {}: code block never closed", b.line)),
        None => Ok(blocks),
    }
}

/// The crate's files, in README order: every TOML and Rust block of the
/// section names its file on its first line (`# PATH` in TOML, `// PATH`
/// in Rust); `// PATH, continued` adds to a file already begun.
fn crate_files(blocks: &[Block]) -> Result<Vec<(String, String)>, String> {
    let mut files: Vec<(String, String)> = Vec::new();
    for b in blocks.iter().filter(|b| b.info == "toml" || b.info.starts_with("rust")) {
        let first = b.text.lines().next().unwrap_or("");
        let marker = if b.info == "toml" { "# " } else { "// " };
        let named = first.strip_prefix(marker).unwrap_or("");
        let (path, rest) = named.split_once(',').unwrap_or((named, ""));
        let path = path.trim();
        let relative = Path::new(path).components().all(|c| matches!(c, Component::Normal(_)));
        if path.is_empty() || path.contains(' ') || !relative {
            return Err(format!("line {}: the block does not begin with `{marker}PATH` naming its file", b.line));
        }
        let known = files.iter_mut().find(|(p, _)| p == path);
        match (known, rest.trim().starts_with("continued")) {
            (Some((_, text)), true) => text.push_str(&b.text),
            (None, false) => files.push((path.to_string(), b.text.clone())),
            (Some(_), false) => return Err(format!("line {}: {path} begun twice", b.line)),
            (None, true) => return Err(format!("line {}: {path} continued before it begins", b.line)),
        }
    }
    Ok(files)
}

/// The commands of the block that begins with `# in my-backends`, one
/// per line (a line ending in `\` goes on), split into words.
fn crate_commands(blocks: &[Block]) -> Result<Vec<Vec<String>>, String> {
    let b = blocks
        .iter()
        .find(|b| b.info == "sh" && b.text.lines().next() == Some(IN_CRATE))
        .ok_or_else(|| format!("no sh block beginning with '{IN_CRATE}'"))?;
    let joined = b.text.replace("\\\n", " ");
    Ok(joined
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect())
}

/// The `[profile.*]` tables of the workspace's manifest, so that the
/// crate builds its dependencies as the workspace does and shares them.
fn workspace_profiles(manifest: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for l in manifest.lines() {
        if l.starts_with('[') {
            inside = l.starts_with("[profile");
        }
        if inside {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// A directory this test creates and removes.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// What one command printed.
struct Ran {
    stdout: String,
    stderr: String,
}

/// Runs `cargo ARGS` (with `--offline` after the subcommand) in `dir`,
/// building into `target`; panics, with what it printed, unless it
/// succeeds within `COMMAND_TIMEOUT`.
fn cargo(args: &[String], dir: &Path, target: &Path) -> Ran {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut argv = args[1..].to_vec();
    argv.insert(1, "--offline".to_string());
    let (out, err) = (dir.join(".stdout"), dir.join(".stderr"));
    let start = Instant::now();
    let mut child = Command::new(cargo)
        .args(&argv)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_TERM_COLOR", "never")
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out).expect("stdout file"))
        .stderr(fs::File::create(&err).expect("stderr file"))
        .spawn()
        .expect("cannot start cargo");
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for cargo") {
            break Some(status);
        }
        if start.elapsed() > COMMAND_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let ran = Ran {
        stdout: fs::read_to_string(out).unwrap_or_default(),
        stderr: fs::read_to_string(err).unwrap_or_default(),
    };
    let shown = args.join(" ");
    eprintln!("{shown}: {:.1} s", start.elapsed().as_secs_f64());
    match status {
        Some(s) if s.success() => ran,
        s => panic!(
            "`{shown}` in the README's crate: {}\n--- stdout\n{}\n--- stderr\n{}",
            s.map_or_else(|| format!("still running after {COMMAND_TIMEOUT:?}"), |s| s.to_string()),
            ran.stdout,
            ran.stderr
        ),
    }
}

/// The value after `flag` in `args`.
fn flag_value<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).map(String::as_str)
}

/// `mmsim backends`' listing: the names under the heading that starts
/// with `kind`.
fn listed<'a>(listing: &'a str, kind: &str) -> Vec<&'a str> {
    let mut lines = listing.lines().skip_while(|l| !l.starts_with(kind));
    lines.next();
    lines.take_while(|l| l.starts_with(' ')).filter_map(|l| l.split_whitespace().next()).collect()
}

#[test]
fn the_readme_backend_crate_builds_passes_the_allocator_suite_and_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf();
    let here = |s: &str| s.replace(CHECKOUT, &format!("{}/", root.display()));
    let readme = fs::read_to_string(root.join("README.md")).expect("README.md");
    let blocks = section_blocks(&readme, HEADING).unwrap_or_else(|e| panic!("README: {e}"));
    let files = crate_files(&blocks).unwrap_or_else(|e| panic!("README: {e}"));
    let commands = crate_commands(&blocks).unwrap_or_else(|e| panic!("README: {e}"));
    let file = |name: &str| {
        files.iter().find(|(p, _)| p == name).map(|(_, t)| t.as_str()).unwrap_or_else(|| panic!("README: no {name}"))
    };

    // The crate, in a directory of the workspace's target directory.
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let target = tmp.parent().expect("target directory");
    let dir = TempDir(tmp.join(format!("readme-backends-{}", std::process::id())));
    for (path, text) in &files {
        let p = dir.0.join(path);
        fs::create_dir_all(p.parent().expect("parent")).expect("crate directory");
        let mut text = here(text);
        if path == "Cargo.toml" {
            let workspace = fs::read_to_string(root.join("Cargo.toml")).expect("workspace manifest");
            text.push_str(&format!("\n[workspace]\n\n{}", workspace_profiles(&workspace)));
        }
        fs::write(p, text).expect("write the crate");
    }
    fs::copy(root.join("Cargo.lock"), dir.0.join("Cargo.lock")).expect("copy Cargo.lock");

    // Every command the README gives; each kind must be there.
    let (mut suite, mut listing, mut run) = (None, None, None);
    for args in &commands {
        assert_eq!(args[0], "cargo", "README: a command that is not cargo: {args:?}");
        let args: Vec<String> = args.iter().map(|a| here(a)).collect();
        let ran = cargo(&args, &dir.0, target);
        let after = args.iter().skip_while(|a| *a != "--").nth(1).map(String::as_str);
        match (args[1].as_str(), after) {
            ("test", _) => suite = Some(ran),
            ("run", Some("backends")) => listing = Some(ran),
            ("run", Some("run")) => run = Some((args.clone(), ran)),
            _ => {}
        }
    }
    let (suite, listing, (run_args, run)) = (
        suite.expect("README: no `cargo test`"),
        listing.expect("README: no `cargo run ... -- backends`"),
        run.expect("README: no `cargo run ... -- run`"),
    );

    // The crate's tests ran the shared allocator suite.
    let tests = file("tests/suite.rs");
    let call = tests.find("mm_alloc::testsuite::run_all(").expect("tests/suite.rs does not run the allocator suite");
    let name = tests[..call].rsplit("fn ").next().and_then(|s| s.split('(').next()).expect("the suite's test");
    assert!(
        suite.stdout.contains(&format!("test {name} ... ok")),
        "the allocator suite did not pass:\n{}\n{}",
        suite.stdout,
        suite.stderr
    );

    // The command lists the new backends among the built-in ones.
    let allocator = flag_value(&run_args, "--allocator").expect("README: the run names no --allocator");
    let policy = flag_value(&run_args, "--reclaim").expect("README: the run names no --reclaim");
    assert!(!mm_core::machine::allocator_names().contains(&allocator), "{allocator} is not the crate's own");
    assert!(!mm_core::vmscan::reclaim_policy_names().contains(&policy), "{policy} is not the crate's own");
    let allocators = listed(&listing.stdout, "page allocators");
    let policies = listed(&listing.stdout, "reclaim policies");
    assert!(allocators.contains(&allocator) && allocators.contains(&"buddy"), "{}", listing.stdout);
    assert!(policies.contains(&policy) && policies.contains(&"lru"), "{}", listing.stdout);

    // The run under pressure prints what the built-in backends print, but
    // for the fault counts and the resident pages, and swaps pages out.
    // Its other options (`--ram 16M`, ...) are machine settings, which
    // replace what the scenario's `machine` lines say.
    let cli = &run_args[run_args.iter().position(|a| a == "--").expect("--") + 2..];
    let settings = cli
        .iter()
        .enumerate()
        .filter_map(|(i, a)| Some((a.strip_prefix("--")?.to_string(), cli.get(i + 1)?.clone())))
        .filter(|(key, _)| !["allocator", "reclaim", "stats"].contains(&key.as_str()))
        .collect();
    assert!(cli.iter().any(|a| a == "--stats"), "README: the run prints no --stats");
    let scenario = cli.last().expect("scenario");
    let src = fs::read(scenario).unwrap_or_else(|e| panic!("README: {scenario}: {e}"));
    let parsed = mm_sim::parse(&src).unwrap_or_else(|e| panic!("README: {scenario}: {e}"));
    let expected = mm_sim::run(&parsed, &RunOptions { settings, ..RunOptions::default() })
        .unwrap_or_else(|e| panic!("{scenario} with the built-in backends: {e}"));
    let got = run.stdout.split("== vmstat\n").next().expect("output");
    let theirs = |l: &&str| !l.starts_with("faults ") && !l.starts_with("present ");
    assert_eq!(
        got.lines().filter(theirs).collect::<Vec<_>>(),
        expected.lines().filter(theirs).collect::<Vec<_>>(),
        "{allocator} and {policy} print other than the built-in backends"
    );
    let pswpout = run.stdout.lines().find_map(|l| l.strip_prefix("pswpout ")).and_then(|n| n.parse::<u64>().ok());
    assert!(pswpout.is_some_and(|n| n > 0), "no page swapped out: the run is not under pressure\n{}", run.stdout);
}

/// The extraction reads files in order, joins continued ones and
/// commands split over lines, and names the line of a block it cannot
/// place.
#[test]
fn the_extraction_follows_the_markers() {
    let readme = "## Other\n```toml\n# x.toml\n```\n## Choose and write backends\ntext\n```toml\n# Cargo.toml\n[package]\n```\n\
                  ```rust,ignore\n// src/lib.rs\nfn a() {}\n```\n```rust,ignore\n// src/lib.rs, continued\nfn b() {}\n```\n\
                  ```sh\ncargo run -p x FILE\n```\n```sh\n# in my-backends\ncargo test\ncargo run -- run \\\n    --ram 16M F\n```\n\
                  ## Next\n```toml\n# y.toml\n```\n";
    let blocks = section_blocks(readme, HEADING).unwrap();
    let files = crate_files(&blocks).unwrap();
    let names: Vec<_> = files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(names, ["Cargo.toml", "src/lib.rs"]);
    assert_eq!(files[1].1, "// src/lib.rs\nfn a() {}\n// src/lib.rs, continued\nfn b() {}\n");
    let commands = crate_commands(&blocks).unwrap();
    assert_eq!(commands, [vec!["cargo", "test"], vec!["cargo", "run", "--", "run", "--ram", "16M", "F"]]);

    let unnamed = "## Choose and write backends\n\n```rust\nfn main() {}\n```\n";
    let e = crate_files(&section_blocks(unnamed, HEADING).unwrap()).unwrap_err();
    assert_eq!(e, "line 3: the block does not begin with `// PATH` naming its file");
    let escaping = "## Choose and write backends\n```toml\n# ../Cargo.toml\n```\n";
    assert!(crate_files(&section_blocks(escaping, HEADING).unwrap()).is_err());
    let unclosed = "## Choose and write backends\n```sh\ncargo test\n";
    assert_eq!(section_blocks(unclosed, HEADING).unwrap_err(), "line 2: code block never closed");
    assert!(section_blocks(unclosed, "## Missing").is_err());
}
