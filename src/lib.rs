//! smimescan: scan mail archives, verify every S/MIME signature and
//! certificate chain, and write one audit row per message.
//!
//! The stages, each a module named for what it does:
//! [`input`] (files, folders, Maildir, compression) → [`mailbox`] (mbox
//! splitting) → [`mime`] (structure, S/MIME detection, the exact signed
//! bytes) → [`cms`] (SignedData / EnvelopedData, signer checks) → [`pki`]
//! (certificates, trust anchors, chains, CRLs) → [`policy`] (findings and
//! verdicts) → [`report`] (CSV, JSONL, summary, merge). [`scan`] ties them
//! together in a bounded, ordered, parallel pipeline.

pub mod cli;
pub mod cms;
pub mod der;
pub mod input;
pub mod keys;
pub mod lines;
pub mod mailbox;
pub mod mime;
pub mod pki;
pub mod policy;
pub mod report;
pub mod scan;
pub mod time;
