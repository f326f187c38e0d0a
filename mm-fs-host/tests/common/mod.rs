//! A scratch root directory with files, links, a FIFO and small ELF
//! images, made by each test and removed after it.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

static NEXT_DIR: AtomicUsize = AtomicUsize::new(0);

/// A scratch root for one test, removed when dropped.
pub(crate) struct Scratch(pub PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Byte `i` of test file `seed`.
pub(crate) fn pattern(seed: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 12) as u8).collect()
}

/// A root with files, directories, links and a FIFO:
/// `/usr/lib/libc.so.6`, `/lib -> usr/lib`, `/abs -> /usr/lib/libc.so.6`,
/// `/up -> ../../..`, `/loop1 <-> /loop2`, `/dir`, `/plain`, `/big`
/// (4 MiB, sparse), `/fifo`.
pub(crate) fn scratch(name: &str) -> Scratch {
    let n = NEXT_DIR.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("mm-fs-host-{}-{name}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("usr/lib")).expect("scratch dir");
    std::fs::create_dir_all(dir.join("dir")).expect("dir");
    std::fs::write(dir.join("usr/lib/libc.so.6"), pattern(1, 3 * 4096 + 100)).expect("write");
    std::fs::write(dir.join("plain"), pattern(2, 10)).expect("write");
    let big = std::fs::File::create(dir.join("big")).expect("big");
    big.set_len(4 << 20).expect("set_len");
    let link = |target: &str, at: &str| std::os::unix::fs::symlink(target, dir.join(at)).expect("symlink");
    link("usr/lib", "lib");
    link("/usr/lib/libc.so.6", "abs");
    link("../../..", "up");
    link("loop2", "loop1");
    link("loop1", "loop2");
    let fifo = std::ffi::CString::new(dir.join("fifo").into_os_string().into_encoded_bytes()).expect("path");
    // SAFETY: a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0, "mkfifo");
    Scratch(dir)
}

/// A minimal little-endian ELF64 x86-64 image of `len` bytes: a header,
/// a `PT_LOAD` of the whole file and, with `interp`, a `PT_INTERP`; the
/// rest of the file is a pattern.
pub(crate) fn elf(interp: Option<&str>, len: usize) -> Vec<u8> {
    let mut b = pattern(9, len);
    let phnum: u16 = if interp.is_some() { 2 } else { 1 };
    let mut h = Vec::new();
    h.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    h.extend_from_slice(&3u16.to_le_bytes()); // ET_DYN
    h.extend_from_slice(&0x3eu16.to_le_bytes()); // EM_X86_64
    h.extend_from_slice(&1u32.to_le_bytes());
    h.extend_from_slice(&0x1000u64.to_le_bytes()); // e_entry
    h.extend_from_slice(&64u64.to_le_bytes()); // e_phoff
    h.extend_from_slice(&0u64.to_le_bytes()); // e_shoff
    h.extend_from_slice(&0u32.to_le_bytes());
    h.extend_from_slice(&64u16.to_le_bytes());
    h.extend_from_slice(&56u16.to_le_bytes());
    h.extend_from_slice(&phnum.to_le_bytes());
    h.extend_from_slice(&[64, 0, 0, 0, 0, 0]);
    let ph = |h: &mut Vec<u8>, ty: u32, off: u64, size: u64| {
        h.extend_from_slice(&ty.to_le_bytes());
        h.extend_from_slice(&4u32.to_le_bytes());
        for v in [off, off, off, size, size, 0x1000] {
            h.extend_from_slice(&v.to_le_bytes());
        }
    };
    let interp_off = 64 + 56 * u64::from(phnum);
    if let Some(i) = interp {
        ph(&mut h, 3, interp_off, i.len() as u64 + 1); // PT_INTERP
    }
    ph(&mut h, 1, 0, len as u64); // PT_LOAD
    if let Some(i) = interp {
        h.extend_from_slice(i.as_bytes());
        h.push(0);
    }
    b[..h.len()].copy_from_slice(&h);
    b
}

/// Adds `/usr/bin/prog` (an ELF with `/lib64/ld.so` as interpreter),
/// `/lib64 -> usr/lib`, `/usr/lib/ld.so` (an ELF) and `/usr/bin/script`
/// (`#!/usr/bin/prog -x`) to a scratch root.
pub(crate) fn add_programs(s: &Scratch) {
    let d = &s.0;
    std::fs::create_dir_all(d.join("usr/bin")).expect("dir");
    std::fs::write(d.join("usr/bin/prog"), elf(Some("/lib64/ld.so"), 8192)).expect("write");
    std::fs::write(d.join("usr/lib/ld.so"), elf(None, 12288)).expect("write");
    std::os::unix::fs::symlink("usr/lib", d.join("lib64")).expect("symlink");
    let mut script = b"#!/usr/bin/prog -x\n".to_vec();
    script.extend(pattern(3, 1000));
    std::fs::write(d.join("usr/bin/script"), script).expect("write");
    let mode = std::os::unix::fs::PermissionsExt::from_mode(0o755);
    for p in ["usr/bin/prog", "usr/lib/ld.so", "usr/bin/script"] {
        std::fs::set_permissions(d.join(p), std::fs::Permissions::clone(&mode)).expect("chmod");
    }
}
