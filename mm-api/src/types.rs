//! Address newtypes: virtual and physical addresses, page frame numbers and
//! page offsets, so that a pfn is never passed where an address is meant.

use std::fmt;

/// log2 of the base page size.
pub const PAGE_SHIFT: u32 = 12;
/// The base page size, 4 KiB.
pub const PAGE_SIZE: u64 = 1 << PAGE_SHIFT;
/// Mask that clears the offset within a page.
pub const PAGE_MASK: u64 = !(PAGE_SIZE - 1);
/// Size of the range one PMD entry covers (2 MiB), the THP size.
pub const PMD_SIZE: u64 = 1 << 21;
/// Highest buddy order (the kernel's `MAX_PAGE_ORDER`): blocks of 4 MiB.
pub const MAX_PAGE_ORDER: u32 = 10;

/// Rounds `x` up to a page boundary (the kernel's `PAGE_ALIGN`); `None` on
/// overflow.
#[inline]
pub fn page_align(x: u64) -> Option<u64> {
    x.checked_add(PAGE_SIZE - 1).map(|v| v & PAGE_MASK)
}

/// True if `x` is a multiple of the page size.
#[inline]
pub fn page_aligned(x: u64) -> bool {
    x & !PAGE_MASK == 0
}

macro_rules! addr_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        #[repr(transparent)]
        pub struct $name(pub u64);

        impl $name {
            /// The raw number.
            #[inline]
            pub const fn as_u64(self) -> u64 {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({:#x})"), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:#x}", self.0)
            }
        }

        impl fmt::LowerHex for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::LowerHex::fmt(&self.0, f)
            }
        }
    };
}

addr_type!(
    /// A user or kernel virtual address.
    VirtAddr
);
addr_type!(
    /// A simulated physical address.
    PhysAddr
);
addr_type!(
    /// A page frame number: physical address >> `PAGE_SHIFT`.
    Pfn
);
addr_type!(
    /// An offset in pages: a file page index, or an anonymous VMA's
    /// `vm_pgoff` (its address >> `PAGE_SHIFT` when it was created).
    PgOff
);

impl VirtAddr {
    /// The page containing this address.
    #[inline]
    pub const fn page_down(self) -> VirtAddr {
        VirtAddr(self.0 & PAGE_MASK)
    }
    /// Offset of the address within its page.
    #[inline]
    pub const fn page_offset(self) -> u64 {
        self.0 & !PAGE_MASK
    }
    /// Virtual page number.
    #[inline]
    pub const fn vpn(self) -> u64 {
        self.0 >> PAGE_SHIFT
    }
}

impl Pfn {
    /// Physical address of the first byte of the frame.
    #[inline]
    pub const fn phys(self) -> PhysAddr {
        PhysAddr(self.0 << PAGE_SHIFT)
    }
}

impl PhysAddr {
    /// Frame containing this address.
    #[inline]
    pub const fn pfn(self) -> Pfn {
        Pfn(self.0 >> PAGE_SHIFT)
    }
    /// Offset within the frame.
    #[inline]
    pub const fn page_offset(self) -> u64 {
        self.0 & !PAGE_MASK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alignment_helpers() {
        assert_eq!(page_align(1), Some(PAGE_SIZE));
        assert_eq!(page_align(PAGE_SIZE), Some(PAGE_SIZE));
        assert_eq!(page_align(u64::MAX), None);
        assert!(page_aligned(0x2000));
        assert!(!page_aligned(0x2001));
        assert_eq!(VirtAddr(0x1234).page_down(), VirtAddr(0x1000));
        assert_eq!(Pfn(3).phys(), PhysAddr(0x3000));
    }
}
