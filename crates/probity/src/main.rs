//! The probity binary.
fn main() {}
