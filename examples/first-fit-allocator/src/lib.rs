//! A user-written page allocator.
