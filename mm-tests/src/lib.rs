//! Shared helpers of the mmsim tests.
