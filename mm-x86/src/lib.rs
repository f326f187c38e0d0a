//! x86-64 paging for mmsim.
