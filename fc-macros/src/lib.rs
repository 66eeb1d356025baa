//! Attribute macros for `fc-runtime` (see the `fc` crate).
