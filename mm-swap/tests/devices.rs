//! The `file` and `zram` swap devices: round trips, the slot states zram
//! keeps, bad offsets, the swap header and the registry.

use mm_api::errno::Errno;
use mm_api::swap::{PageBuf, SwapDevice, SwapDeviceConfig, SwapDeviceError, new_swap_device, swap_device_names};
use mm_swap::file::{LAST_PAGE_OFFSET, MAGIC_OFFSET, NR_BADPAGES_OFFSET, VERSION_OFFSET};
use mm_swap::{FileSwap, FileSwapError, SwapSizeError, Zram, ZramError};
use std::error::Error;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

const PAGE: usize = 4096;

/// A host path no other test (or test process) uses.
fn temp_path(tag: &str) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("mm-swap-test-{}-{n}-{tag}.swap", std::process::id()))
}

/// xorshift64: distinct, repeatable page contents.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// A page that does not compress: every byte random.
fn random_page(seed: u64) -> PageBuf {
    let mut rng = XorShift(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut page = [0u8; PAGE];
    for chunk in page.chunks_mut(8) {
        chunk.copy_from_slice(&rng.next().to_ne_bytes());
    }
    page
}

/// A page that compresses well, as most program data does: short random
/// runs repeated, with a header that makes it distinct.
fn compressible_page(seed: u64) -> PageBuf {
    let mut rng = XorShift(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) | 1);
    let mut page = [0u8; PAGE];
    page[..8].copy_from_slice(&seed.to_ne_bytes());
    let mut i = 8;
    while i < PAGE {
        let byte = (rng.next() % 16) as u8;
        let run = (8 + rng.next() % 56) as usize;
        let end = (i + run).min(PAGE);
        page[i..end].fill(byte);
        i = end;
    }
    page
}

/// A page whose every 64-bit word is `word`.
fn filled_page(word: u64) -> PageBuf {
    let mut page = [0u8; PAGE];
    for chunk in page.chunks_mut(8) {
        chunk.copy_from_slice(&word.to_ne_bytes());
    }
    page
}

fn stat(dev: &dyn SwapDevice, name: &str) -> u64 {
    dev.stats().into_iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no stat {name}")).1
}

/// Writes a mix of pages into every slot, then reads them all back.
fn round_trip(dev: &dyn SwapDevice) {
    let page_for = |slot: u64| match slot % 3 {
        0 => random_page(slot),
        1 => compressible_page(slot),
        _ => filled_page(slot.wrapping_mul(0x0101_0101_0101_0101)),
    };
    for slot in 1..dev.nr_pages() {
        dev.write_page(slot, &page_for(slot)).unwrap();
    }
    // Overwrite some slots, so a slot's old contents are replaced.
    for slot in (1..dev.nr_pages()).step_by(5) {
        dev.write_page(slot, &page_for(slot + 1000)).unwrap();
    }
    let mut buf = [0u8; PAGE];
    for slot in 1..dev.nr_pages() {
        dev.read_page(slot, &mut buf).unwrap();
        let want = if slot % 5 == 1 { page_for(slot + 1000) } else { page_for(slot) };
        assert!(buf == want, "slot {slot} of {} came back different", dev.name());
    }
}

fn bad_offsets(dev: &dyn SwapDevice) {
    let mut buf = [0u8; PAGE];
    let page = random_page(1);
    for offset in [0, dev.nr_pages(), dev.nr_pages() + 1, u64::MAX] {
        assert_eq!(dev.read_page(offset, &mut buf), Err(Errno::EINVAL), "read at {offset}");
        assert_eq!(dev.write_page(offset, &page), Err(Errno::EINVAL), "write at {offset}");
        dev.discard(offset);
    }
}

fn unwritten_reads_zero(dev: &dyn SwapDevice) {
    let mut buf = [0xffu8; PAGE];
    dev.read_page(dev.nr_pages() - 1, &mut buf).unwrap();
    assert!(buf.iter().all(|&b| b == 0));
}

/// Four threads each own every fourth slot and write and read it over and
/// over, each round with different contents.
fn concurrent(dev: &dyn SwapDevice) {
    const THREADS: u64 = 4;
    std::thread::scope(|s| {
        for t in 0..THREADS {
            s.spawn(move || {
                let mut buf = [0u8; PAGE];
                for round in 0..4u64 {
                    let slots = (1..dev.nr_pages()).filter(|slot| slot % THREADS == t);
                    let content = |slot: u64| {
                        let seed = slot + round * 10_000;
                        if slot.is_multiple_of(2) { compressible_page(seed) } else { random_page(seed) }
                    };
                    for slot in slots.clone() {
                        dev.write_page(slot, &content(slot)).unwrap();
                    }
                    for slot in slots {
                        dev.read_page(slot, &mut buf).unwrap();
                        assert!(buf == content(slot), "slot {slot} round {round} came back different");
                    }
                }
            });
        }
    });
}

#[test]
fn zram_round_trip() {
    let zram = Zram::new(512 * PAGE as u64).unwrap();
    assert_eq!(zram.nr_pages(), 512);
    round_trip(&zram);
    // Every slot but the header holds a page.
    assert_eq!(stat(&zram, "pages_stored"), 511);
    assert_eq!(stat(&zram, "orig_data_size"), 511 * PAGE as u64);
}

#[test]
fn file_round_trip() {
    let swap = FileSwap::create(temp_path("round-trip"), 300 * PAGE as u64 + 123).unwrap();
    assert_eq!(swap.nr_pages(), 300);
    round_trip(&swap);
    assert!(stat(&swap, "pswp_writes") >= 299);
    assert_eq!(stat(&swap, "pswp_reads"), 299);
}

#[test]
fn zram_same_filled_pages_take_no_compressed_space() {
    let zram = Zram::new(16 * PAGE as u64).unwrap();
    zram.write_page(1, &filled_page(0)).unwrap();
    zram.write_page(2, &[0xab; PAGE]).unwrap();
    zram.write_page(3, &filled_page(0x0123_4567_89ab_cdef)).unwrap();
    assert_eq!(stat(&zram, "same_pages"), 3);
    assert_eq!(stat(&zram, "pages_stored"), 3);
    assert_eq!(stat(&zram, "compr_data_size"), 0);
    assert_eq!(stat(&zram, "huge_pages"), 0);
    let mut buf = [0x55u8; PAGE];
    zram.read_page(1, &mut buf).unwrap();
    assert!(buf == [0; PAGE]);
    zram.read_page(2, &mut buf).unwrap();
    assert!(buf == [0xab; PAGE]);
    zram.read_page(3, &mut buf).unwrap();
    assert!(buf == filled_page(0x0123_4567_89ab_cdef));

    // A page equal but for its last byte is not same-filled.
    let mut almost = [0xab; PAGE];
    almost[PAGE - 1] = 0;
    zram.write_page(2, &almost).unwrap();
    assert_eq!(stat(&zram, "same_pages"), 2);
    assert!(stat(&zram, "compr_data_size") > 0);
    zram.read_page(2, &mut buf).unwrap();
    assert!(buf == almost);
}

#[test]
fn zram_incompressible_pages_are_stored_raw() {
    let zram = Zram::new(16 * PAGE as u64).unwrap();
    for slot in 1..5 {
        zram.write_page(slot, &random_page(slot)).unwrap();
    }
    assert_eq!(stat(&zram, "huge_pages"), 4);
    assert_eq!(stat(&zram, "compr_data_size"), 4 * PAGE as u64);
    // A compressible page is not huge, and takes much less than a page.
    zram.write_page(5, &compressible_page(5)).unwrap();
    assert_eq!(stat(&zram, "huge_pages"), 4);
    let compr = stat(&zram, "compr_data_size") - 4 * PAGE as u64;
    assert!(compr > 0 && compr < PAGE as u64 / 2, "compressible page took {compr} bytes");
    // Overwriting a huge page with a compressible one is no longer huge.
    zram.write_page(1, &compressible_page(1)).unwrap();
    assert_eq!(stat(&zram, "huge_pages"), 3);
    let mut buf = [0u8; PAGE];
    for slot in 2..5 {
        zram.read_page(slot, &mut buf).unwrap();
        assert!(buf == random_page(slot));
    }
}

#[test]
fn zram_discard_frees() {
    let zram = Zram::new(64 * PAGE as u64).unwrap();
    for slot in 1..64 {
        let page = match slot % 3 {
            0 => random_page(slot),
            1 => compressible_page(slot),
            _ => filled_page(slot),
        };
        zram.write_page(slot, &page).unwrap();
    }
    assert!(stat(&zram, "compr_data_size") > 0);
    for slot in 1..64 {
        zram.discard(slot);
    }
    // Discarding an empty slot changes nothing.
    zram.discard(7);
    for (name, value) in zram.stats() {
        assert_eq!(value, 0, "{name} after discarding every slot");
    }
    let mut buf = [0xffu8; PAGE];
    zram.read_page(5, &mut buf).unwrap();
    assert!(buf == [0; PAGE]);
}

#[test]
fn unwritten_slots_read_zeroes() {
    unwritten_reads_zero(&Zram::new(8 * PAGE as u64).unwrap());
    unwritten_reads_zero(&FileSwap::create(temp_path("unwritten"), 8 * PAGE as u64).unwrap());
}

#[test]
fn bad_offsets_are_einval() {
    bad_offsets(&Zram::new(8 * PAGE as u64).unwrap());
    bad_offsets(&FileSwap::create(temp_path("bad-offsets"), 8 * PAGE as u64).unwrap());
}

#[test]
fn bad_configurations_are_refused() {
    assert!(Zram::new(0).is_err());
    assert!(Zram::new(2 * PAGE as u64 - 1).is_err());
    assert!(Zram::new(2 * PAGE as u64).is_ok());
    assert!(Zram::new(u64::MAX).is_err());
    assert!(FileSwap::create("", 8 * PAGE as u64).is_err());
    let path = temp_path("too-small");
    assert!(FileSwap::create(&path, PAGE as u64).is_err());
    assert!(!path.exists());
    let cfg = SwapDeviceConfig { path: "/tmp/x".to_string(), size: Some(1 << 20), ..Default::default() };
    assert!(new_swap_device("zram", &cfg).is_err());
    let cfg = SwapDeviceConfig { path: String::new(), size: Some(1 << 20), ..Default::default() };
    assert!(new_swap_device("file", &cfg).is_err());
    let err = new_swap_device("zram", &SwapDeviceConfig::default()).err().expect("zram without a size");
    assert!(err.to_string().contains("a size is needed"), "{err}");
}

#[test]
fn errors_say_what_was_refused() {
    let too_small = Zram::new(PAGE as u64).unwrap_err();
    assert_eq!(too_small, SwapSizeError::TooSmall { device: "zram", size: PAGE as u64 });
    assert_eq!(
        too_small.to_string(),
        "zram swap: size 4096 is too small (at least 8192 bytes: a header page and one slot)"
    );
    assert!(matches!(Zram::new(u64::MAX), Err(SwapSizeError::TooLargeForHost { device: "zram", .. })));
    assert!(matches!(FileSwap::create("", 8 * PAGE as u64), Err(FileSwapError::NoPath)));
    let path = temp_path("tiny");
    let err = FileSwap::create(&path, PAGE as u64).unwrap_err();
    assert!(matches!(err, FileSwapError::Size(SwapSizeError::TooSmall { device: "file", .. })), "{err:?}");
    assert!(err.to_string().starts_with("file swap: size 4096 is too small"), "{err}");
    // The registry passes a device's own error on, and says which names
    // it knows.
    let cfg = SwapDeviceConfig { path: "/tmp/x".to_string(), size: Some(1 << 20), ..Default::default() };
    let Err(SwapDeviceError::Device(e)) = new_swap_device("zram", &cfg) else { panic!("zram with a path") };
    assert_eq!(e.downcast_ref::<ZramError>(), Some(&ZramError::Path { path: "/tmp/x".to_string() }));
    let Err(SwapDeviceError::Unknown { name, known }) = new_swap_device("tape", &cfg) else { panic!("tape") };
    assert!(name == "tape" && known.contains(&"zram") && known.contains(&"file"), "{name} {known:?}");
}

#[test]
fn a_host_error_is_kept_as_the_source() {
    // A swap file in a directory that does not exist.
    let path = temp_path("no-such-dir").join("swap");
    let err = FileSwap::create(&path, 4 * PAGE as u64).unwrap_err();
    assert!(matches!(&err, FileSwapError::Create { path: p, .. } if *p == path), "{err:?}");
    let io = err.source().and_then(|e| e.downcast_ref::<std::io::Error>()).expect("the io::Error");
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    assert_eq!(err.to_string(), format!("file swap: {}: cannot create: {io}", path.display()));
    // Through the registry too: the device's error is the registry's
    // (displayed as it is), and the host's error its cause.
    let cfg = SwapDeviceConfig { path: path.to_string_lossy().into_owned(), size: Some(1 << 20), ..Default::default() };
    let err = new_swap_device("file", &cfg).err().expect("no such directory");
    let SwapDeviceError::Device(dev) = &err else { panic!("{err:?}") };
    assert!(matches!(dev.downcast_ref::<FileSwapError>(), Some(FileSwapError::Create { .. })), "{dev:?}");
    assert!(err.source().and_then(|e| e.downcast_ref::<std::io::Error>()).is_some(), "{err:?}");
    assert!(!path.exists());
}

#[test]
fn file_header_is_mkswap_s() {
    let path = temp_path("header");
    let swap = FileSwap::create(&path, 40 * PAGE as u64 + 4095).unwrap();
    assert_eq!(swap.path(), path);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len(), 40 * PAGE);
    let u32_at = |at: usize| u32::from_ne_bytes(bytes[at..at + 4].try_into().unwrap());
    assert_eq!(&bytes[4086..4096], b"SWAPSPACE2");
    assert_eq!(MAGIC_OFFSET, 4086);
    assert_eq!((VERSION_OFFSET, LAST_PAGE_OFFSET, NR_BADPAGES_OFFSET), (1024, 1028, 1032));
    assert_eq!(u32_at(1024), 1, "version");
    assert_eq!(u32_at(1028), 39, "last_page");
    assert_eq!(u32_at(1032), 0, "nr_badpages");
    let uuid = &bytes[1036..1052];
    assert_ne!(uuid, [0; 16]);
    assert_eq!(uuid[6] >> 4, 4, "a version-4 UUID");
    assert!(bytes[..1024].iter().all(|&b| b == 0), "bootbits");
    assert!(bytes[1052..4086].iter().all(|&b| b == 0), "label, padding, bad pages");
    // Pages land at offset * 4096 of the host file.
    let page = random_page(9);
    swap.write_page(7, &page).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes[7 * PAGE..8 * PAGE] == page);
}

#[test]
fn file_is_removed_on_drop() {
    let path = temp_path("drop");
    let swap = FileSwap::create(&path, 4 * PAGE as u64).unwrap();
    assert!(path.exists());
    drop(swap);
    assert!(!path.exists());
}

#[test]
fn file_create_leaves_an_existing_file_alone() {
    let path = temp_path("exists");
    std::fs::write(&path, vec![0x77u8; 10 * PAGE]).unwrap();
    let err = FileSwap::create(&path, 4 * PAGE as u64).unwrap_err();
    assert!(matches!(&err, FileSwapError::Create { source, .. } if source.kind() == std::io::ErrorKind::AlreadyExists));
    let err = err.to_string();
    assert!(err.contains(&*path.to_string_lossy()) && err.contains("cannot create"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), vec![0x77u8; 10 * PAGE]);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn registry_builds_both_devices() {
    let names = swap_device_names();
    assert!(names.contains(&"zram") && names.contains(&"file"), "{names:?}");

    let zram = new_swap_device("zram", &SwapDeviceConfig { size: Some(1 << 20), ..Default::default() }).unwrap();
    assert_eq!(zram.name(), "zram");
    assert_eq!(zram.nr_pages(), 256);
    round_trip(zram.as_ref());

    let path = temp_path("registry");
    let cfg = SwapDeviceConfig { path: path.to_string_lossy().into_owned(), size: Some(1 << 20), ..Default::default() };
    let file = new_swap_device("file", &cfg).unwrap();
    assert_eq!(file.name(), "file");
    assert_eq!(file.nr_pages(), 256);
    round_trip(file.as_ref());
    drop(file);
    assert!(!path.exists());
}

#[test]
fn zram_concurrent_slots_stay_intact() {
    concurrent(&Zram::new(257 * PAGE as u64).unwrap());
}

#[test]
fn file_concurrent_slots_stay_intact() {
    concurrent(&FileSwap::create(temp_path("concurrent"), 257 * PAGE as u64).unwrap());
}

/// Rough cost of a zram write and read of a compressible page; run with
/// `cargo test -p mm-swap --release -- --ignored --nocapture zram_speed`.
#[test]
#[ignore = "a timing, not a check"]
fn zram_speed() {
    const N: u64 = 4096;
    let zram = Zram::new((N + 1) * PAGE as u64).unwrap();
    let pages: Vec<PageBuf> = (0..64).map(compressible_page).collect();
    let start = std::time::Instant::now();
    for slot in 1..=N {
        zram.write_page(slot, &pages[(slot % 64) as usize]).unwrap();
    }
    let write = start.elapsed();
    let mut buf = [0u8; PAGE];
    let start = std::time::Instant::now();
    for slot in 1..=N {
        zram.read_page(slot, &mut buf).unwrap();
    }
    let read = start.elapsed();
    println!(
        "zram: write {:?}/page, read {:?}/page, {} bytes compressed per page",
        write / N as u32,
        read / N as u32,
        (stat(&zram, "compr_data_size") - stat(&zram, "huge_pages") * PAGE as u64) / N
    );
}

#[test]
fn a_large_zram_costs_nothing_until_written() {
    // 1 TiB of slots: the table is allocated a chunk at a time.
    let zram = Zram::new(1 << 40).unwrap();
    let last = zram.nr_pages() - 1;
    let page = compressible_page(9);
    let mut buf = [0xffu8; PAGE];
    zram.read_page(last, &mut buf).unwrap();
    assert!(buf.iter().all(|&b| b == 0), "an unwritten slot reads as zeroes");
    zram.write_page(last, &page).unwrap();
    zram.read_page(last, &mut buf).unwrap();
    assert_eq!(buf, page);
    zram.discard(last);
    zram.discard(last - 5000); // in a chunk never written
    assert_eq!(stat(&zram, "pages_stored"), 0);
    assert_eq!(zram.read_page(zram.nr_pages(), &mut buf), Err(Errno::EINVAL));
}
