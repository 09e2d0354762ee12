//! Property tests of the config loader (placeholder).
