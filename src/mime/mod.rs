//! mime stage.
