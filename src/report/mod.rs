//! The report: one [`Row`] per message, written as CSV or JSONL, and the
//! [`Summary`] that follows from the rows.

pub mod merge;
mod summary;
mod writer;

pub use summary::Summary;
pub use writer::{escape_formula, Format, RowWriter};

use serde::{Deserialize, Serialize};

/// The columns of SPEC's report, in order. JSONL uses the same keys.
pub const COLUMNS: &[&str] = &[
    "source",
    "index",
    "offset",
    "length",
    "message_id",
    "date",
    "from",
    "kind",
    "part",
    "signers",
    "signature",
    "chain",
    "signer_subject",
    "signer_issuer",
    "signer_serial",
    "signer_sha256",
    "signer_email",
    "sender_match",
    "digest_alg",
    "signature_alg",
    "key_bits",
    "signing_time",
    "validated_at",
    "encryption_alg",
    "verdict",
    "findings",
    "error",
    "layers",
    "anchor",
    "decryption",
];

/// One report row. Empty strings are empty cells.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub source: String,
    pub index: u64,
    pub offset: u64,
    pub length: u64,
    pub message_id: String,
    pub date: String,
    pub from: String,
    pub kind: String,
    pub part: String,
    pub signers: u32,
    pub signature: String,
    pub chain: String,
    pub signer_subject: String,
    pub signer_issuer: String,
    pub signer_serial: String,
    pub signer_sha256: String,
    pub signer_email: String,
    pub sender_match: String,
    pub digest_alg: String,
    pub signature_alg: String,
    pub key_bits: String,
    pub signing_time: String,
    pub validated_at: String,
    pub encryption_alg: String,
    pub verdict: String,
    pub findings: String,
    pub error: String,
    /// S/MIME layers from the outside in, joined by `>`.
    #[serde(default)]
    pub layers: String,
    /// Subject (RFC 4514) of the trust anchor ending the judged path.
    #[serde(default)]
    pub anchor: String,
    /// `decrypted`, `no-key`, `failed`, `unsupported` for enveloped data.
    #[serde(default)]
    pub decryption: String,
}

impl Row {
    /// The cells in column order, as text.
    pub fn cells(&self) -> [std::borrow::Cow<'_, str>; 30] {
        use std::borrow::Cow::{Borrowed as B, Owned as O};
        [
            B(&self.source),
            O(self.index.to_string()),
            O(self.offset.to_string()),
            O(self.length.to_string()),
            B(&self.message_id),
            B(&self.date),
            B(&self.from),
            B(&self.kind),
            B(&self.part),
            O(self.signers.to_string()),
            B(&self.signature),
            B(&self.chain),
            B(&self.signer_subject),
            B(&self.signer_issuer),
            B(&self.signer_serial),
            B(&self.signer_sha256),
            B(&self.signer_email),
            B(&self.sender_match),
            B(&self.digest_alg),
            B(&self.signature_alg),
            B(&self.key_bits),
            B(&self.signing_time),
            B(&self.validated_at),
            B(&self.encryption_alg),
            B(&self.verdict),
            B(&self.findings),
            B(&self.error),
            B(&self.layers),
            B(&self.anchor),
            B(&self.decryption),
        ]
    }
}

/// Makes a header value safe for one report cell: control characters
/// (CR, LF, NUL, …) become spaces, so no value can break a line.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
