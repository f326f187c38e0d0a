//! The mmsim command.
