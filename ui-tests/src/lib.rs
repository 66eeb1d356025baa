//! Compile-pass and compile-fail cases for the attribute macros.
