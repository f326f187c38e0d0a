//! Swap: devices, the swap-slot allocator (`swap_map`) and the swap cache.

pub mod device;

pub use device::{
    MM_SWAP_DEVICES, PageBuf, SwapDevice, SwapDeviceConfig, SwapDeviceDesc, new_swap_device, swap_device_names,
};
