//! The `file` swap device and the host files it is given: it behaves as
//! `mkswap` + `swapon`, removes only a file it created, uses an existing
//! file only if it is already a swap area, and refuses everything else
//! without writing it.

use mm_api::swap::{HostFileId, PageBuf, SwapDevice, SwapDeviceConfig, new_swap_device};
use mm_swap::FileSwap;
use mm_swap::file::{LAST_PAGE_OFFSET, MAGIC_OFFSET, NR_BADPAGES_OFFSET, SWAP_MAGIC, VERSION_OFFSET};
use std::fs::File;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::SystemTime;

const PAGE: usize = 4096;

/// A host path no other test (or test process) uses.
fn temp_path(tag: &str) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("mm-swapon-test-{}-{n}-{tag}", std::process::id()))
}

/// A swap header page with the given fields, as `mkswap` lays it out.
fn header(version: u32, last_page: u32, nr_badpages: u32) -> Vec<u8> {
    let mut page = vec![0u8; PAGE];
    page[..16].copy_from_slice(b"test bootbits...");
    page[VERSION_OFFSET..][..4].copy_from_slice(&version.to_ne_bytes());
    page[LAST_PAGE_OFFSET..][..4].copy_from_slice(&last_page.to_ne_bytes());
    page[NR_BADPAGES_OFFSET..][..4].copy_from_slice(&nr_badpages.to_ne_bytes());
    page[MAGIC_OFFSET..].copy_from_slice(SWAP_MAGIC);
    page
}

/// Writes a file of `nr_pages` pages: `page0`, then pages of `0xa5`.
fn write_area(path: &Path, page0: &[u8], nr_pages: usize) -> Vec<u8> {
    let mut bytes = page0.to_vec();
    bytes.resize(nr_pages * PAGE, 0xa5);
    std::fs::write(path, &bytes).unwrap();
    bytes
}

/// What a host file is, to check that nothing touched it.
#[derive(Debug, PartialEq)]
struct Snapshot {
    bytes: Vec<u8>,
    mtime: SystemTime,
}

fn snapshot(path: &Path) -> Snapshot {
    Snapshot { bytes: std::fs::read(path).unwrap(), mtime: std::fs::metadata(path).unwrap().modified().unwrap() }
}

fn page_of(byte: u8) -> PageBuf {
    [byte; PAGE]
}

/// `FileSwap::swapon` with nothing else in use; an error as its message.
fn swapon(path: &Path, size: Option<u64>) -> Result<FileSwap, String> {
    FileSwap::swapon(path, size, &[]).map_err(|e| e.to_string())
}

#[test]
fn a_new_file_is_created_and_removed_on_drop() {
    let path = temp_path("new");
    let swap = swapon(&path, Some(8 * PAGE as u64)).unwrap();
    assert!(swap.created());
    assert_eq!(swap.nr_pages(), 8);
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.len(), 8 * PAGE as u64);
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777, 0o600);
    drop(swap);
    assert!(!path.exists());
}

#[test]
fn a_new_file_needs_a_size() {
    let path = temp_path("no-size");
    let err = swapon(&path, None).unwrap_err();
    assert!(err.contains(&*path.to_string_lossy()) && err.contains("give a size"), "{err}");
    assert!(!path.exists());
}

#[test]
fn an_existing_file_without_a_swap_header_is_left_alone() {
    let path = temp_path("victim");
    std::fs::write(&path, b"important\n").unwrap();
    let big = temp_path("big-victim");
    std::fs::write(&big, vec![0x33u8; 3 * PAGE]).unwrap();
    for p in [&path, &big] {
        let before = snapshot(p);
        for size in [Some(1 << 20), Some(2 * PAGE as u64), None] {
            let err = swapon(p, size).unwrap_err();
            assert!(err.contains(&*p.to_string_lossy()) && err.contains("read swap header failed"), "{err}");
        }
        assert!(FileSwap::create(p, 1 << 20).is_err());
        assert_eq!(snapshot(p), before);
        std::fs::remove_file(p).unwrap();
    }
}

#[test]
fn bad_swap_headers_are_refused_and_left_alone() {
    let cases: [(Vec<u8>, usize, &str); 5] = [
        (header(2, 7, 0), 8, "swap header version 2"),
        (header(1u32.swap_bytes(), 7, 0), 8, "swap header version"),
        (header(1, 0, 0), 8, "empty swap area"),
        (header(1, 8, 0), 8, "beyond the end of the file (8 pages)"),
        (header(1, 7, 1), 8, "1 bad pages"),
    ];
    for (i, (page0, nr_pages, msg)) in cases.iter().enumerate() {
        let path = temp_path(&format!("bad-header-{i}"));
        write_area(&path, page0, *nr_pages);
        let before = snapshot(&path);
        let err = swapon(&path, None).unwrap_err();
        assert!(err.contains(&*path.to_string_lossy()) && err.contains(msg), "case {i}: {err}");
        assert_eq!(snapshot(&path), before, "case {i}");
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn an_existing_swap_file_is_used_and_kept() {
    let path = temp_path("mkswapped");
    let page0 = header(1, 15, 0);
    write_area(&path, &page0, 16);
    let len = std::fs::metadata(&path).unwrap().len();

    // Without a size, the area is the header's.
    let swap = swapon(&path, None).unwrap();
    assert!(!swap.created());
    assert_eq!(swap.nr_pages(), 16);
    swap.write_page(15, &page_of(0x42)).unwrap();
    let mut buf = page_of(0);
    swap.read_page(15, &mut buf).unwrap();
    assert_eq!(buf, page_of(0x42));
    // A slot never written this run reads what the file holds.
    swap.read_page(3, &mut buf).unwrap();
    assert_eq!(buf, page_of(0xa5));
    drop(swap);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len() as u64, len, "never truncated or extended");
    assert_eq!(bytes[..PAGE], page0[..], "the header is left as it was");
    assert_eq!(bytes[15 * PAGE..], page_of(0x42), "swapped-out pages are written");

    // A size no larger than the area limits it; a larger one is refused.
    let swap = swapon(&path, Some(8 * PAGE as u64 + 100)).unwrap();
    assert_eq!(swap.nr_pages(), 8);
    assert!(!swap.created());
    drop(swap);
    let before = snapshot(&path);
    let err = swapon(&path, Some(17 * PAGE as u64)).unwrap_err();
    assert!(err.contains("less than the size asked for"), "{err}");
    assert_eq!(snapshot(&path), before);

    // Through the registry, `file:PATH` alone.
    let cfg = SwapDeviceConfig { path: path.to_string_lossy().into_owned(), ..Default::default() };
    let dev = new_swap_device("file", &cfg).unwrap();
    assert_eq!(dev.nr_pages(), 16);
    drop(dev);
    assert_eq!(std::fs::read(&path).unwrap()[..PAGE], page0[..]);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn directories_devices_fifos_and_symlinks_to_them_are_refused() {
    let dir = temp_path("dir");
    std::fs::create_dir(&dir).unwrap();
    let fifo = temp_path("fifo");
    let c = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).unwrap();
    // SAFETY: a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let link_dir = temp_path("link-dir");
    std::os::unix::fs::symlink(&dir, &link_dir).unwrap();
    let link_null = temp_path("link-null");
    std::os::unix::fs::symlink("/dev/null", &link_null).unwrap();
    let cases: [(&Path, &str); 5] = [
        (&dir, "a directory"),
        (Path::new("/dev/null"), "a character device"),
        (&fifo, "a FIFO"),
        (&link_dir, "a directory"),
        (&link_null, "a character device"),
    ];
    for (path, what) in cases {
        for size in [Some(1 << 20), None] {
            // A FIFO without a writer would block an open: not reaching
            // here is the failure.
            let err = swapon(path, size).unwrap_err();
            assert!(err.contains(&*path.to_string_lossy()), "{err}");
            assert!(err.contains(&format!("not a regular file ({what})")), "{err}");
        }
    }
    assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());
    assert!(std::fs::metadata(&dir).unwrap().is_dir());
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(std::fs::symlink_metadata(&link_null).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_link(&link_dir).unwrap(), dir);
    for p in [&fifo, &link_dir, &link_null] {
        std::fs::remove_file(p).unwrap();
    }
    std::fs::remove_dir(&dir).unwrap();
}

#[test]
fn a_dangling_symlink_is_not_followed_to_create_a_file() {
    let target = temp_path("dangling-target");
    let link = temp_path("dangling");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let err = swapon(&link, Some(1 << 20)).unwrap_err();
    assert!(err.contains(&*link.to_string_lossy()), "{err}");
    assert!(!target.exists());
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    std::fs::remove_file(&link).unwrap();
}

#[test]
fn the_files_the_run_uses_are_refused_by_identity() {
    // Even a valid swap area is refused when it is the scenario or the
    // image, under another name (a hard link) too.
    let path = temp_path("scenario");
    write_area(&path, &header(1, 7, 0), 8);
    let other = temp_path("scenario-link");
    std::fs::hard_link(&path, &other).unwrap();
    let before = snapshot(&path);
    let in_use = [HostFileId::of(&path, "the scenario").unwrap()];
    for p in [&path, &other] {
        for size in [Some(1 << 20), None] {
            let err = FileSwap::swapon(p, size, &in_use).unwrap_err().to_string();
            assert!(err.contains(&*p.to_string_lossy()) && err.contains("is the scenario"), "{err}");
        }
    }
    assert_eq!(snapshot(&path), before);
    std::fs::remove_file(&path).unwrap();
    std::fs::remove_file(&other).unwrap();
}

#[test]
fn one_file_is_one_swap_area_at_a_time() {
    // A file this process created: the second swapon is EBUSY and removes
    // nothing; the first area still works.
    let path = temp_path("twice");
    let first = swapon(&path, Some(4 * PAGE as u64)).unwrap();
    let link = temp_path("twice-link");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    for p in [&path, &link] {
        for size in [Some(4 * PAGE as u64), None] {
            let err = swapon(p, size).unwrap_err();
            assert!(err.contains(&*p.to_string_lossy()) && err.contains("Device or resource busy"), "{err}");
        }
    }
    assert!(path.exists());
    first.write_page(3, &page_of(7)).unwrap();
    let mut buf = page_of(0);
    first.read_page(3, &mut buf).unwrap();
    assert_eq!(buf, page_of(7));
    drop(first);
    assert!(!path.exists());
    std::fs::remove_file(&link).unwrap();

    // An existing swap file: busy while in use, free again after.
    let path = temp_path("twice-existing");
    write_area(&path, &header(1, 7, 0), 8);
    let first = swapon(&path, None).unwrap();
    assert!(swapon(&path, None).unwrap_err().contains("Device or resource busy"));
    drop(first);
    drop(swapon(&path, None).unwrap());
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_file_locked_by_another_process_is_busy() {
    // Another mmsim holds an exclusive flock on its swap file; a lock on
    // another open file description conflicts the same way.
    let path = temp_path("locked");
    write_area(&path, &header(1, 7, 0), 8);
    let other = File::open(&path).unwrap();
    other.lock().unwrap();
    let before = snapshot(&path);
    let err = swapon(&path, None).unwrap_err();
    assert!(err.contains("Device or resource busy"), "{err}");
    assert_eq!(snapshot(&path), before);
    // The failed attempt left no claim behind.
    other.unlock().unwrap();
    let swap = swapon(&path, None).unwrap();
    // And the device's own lock keeps others out.
    assert!(other.try_lock().is_err());
    drop(swap);
    other.try_lock().unwrap();
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_created_file_is_removed_when_setup_fails() {
    // 2^32 pages (16 TiB): ext4 refuses to size a file so large (EFBIG),
    // after the file was created; a filesystem that takes it makes a
    // sparse file, removed on drop.
    let path = temp_path("efbig");
    match swapon(&path, Some(1 << 44)) {
        Err(e) => assert!(e.contains("cannot size"), "{e}"),
        Ok(swap) => {
            assert!(path.exists());
            drop(swap);
        }
    }
    assert!(!path.exists());
    // One page more does not fit the header's last_page: refused before
    // anything is created.
    let err = swapon(&path, Some((1 << 44) + PAGE as u64)).unwrap_err();
    assert!(err.contains("last_page"), "{err}");
    assert!(!path.exists());
}

#[test]
fn a_created_file_replaced_meanwhile_is_not_removed() {
    // The device removes its file by name only if the name still leads
    // to the file it created.
    let path = temp_path("replaced");
    let swap = swapon(&path, Some(4 * PAGE as u64)).unwrap();
    let moved = temp_path("replaced-moved");
    std::fs::rename(&path, &moved).unwrap();
    std::fs::write(&path, b"someone else's\n").unwrap();
    drop(swap);
    assert_eq!(std::fs::read(&path).unwrap(), b"someone else's\n");
    std::fs::remove_file(&path).unwrap();
    std::fs::remove_file(&moved).unwrap();
}
