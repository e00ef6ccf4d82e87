//! End-to-end legs.
