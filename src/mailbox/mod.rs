//! mailbox stage.
