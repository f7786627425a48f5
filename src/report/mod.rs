//! The report: one [`Row`] per message, written as CSV or JSONL, and the
//! [`Summary`] that follows from the rows.

pub mod html;
pub(crate) mod merge;
pub(crate) mod output;
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
    "signer_not_after",
];

/// One report row. Empty strings are empty cells.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// Path of the file holding the message, as reached from the given PATH.
    pub source: String,
    /// 0-based number of the message inside `source`.
    pub index: u64,
    /// Byte offset of the message's first byte in `source` (an mbox
    /// message's `From ` line).
    pub offset: u64,
    /// Bytes of the message in `source`.
    pub length: u64,
    /// Message-ID without angle brackets.
    pub message_id: String,
    /// Date header as RFC 3339 UTC; empty when missing or unparseable.
    pub date: String,
    /// Address of the first From field, lowercase.
    pub from: String,
    /// `plain`, `signed`, `signed-opaque`, `enveloped`, `auth-enveloped`,
    /// `certs-only`, `pgp-signed`, `pgp-encrypted` or `malformed`.
    pub kind: String,
    /// MIME part path of the S/MIME/PGP structure (`2`, `1.3`, …); empty
    /// for the message itself.
    pub part: String,
    /// Number of SignerInfos (0 when unsigned).
    pub signers: u32,
    /// `valid`, `invalid`, `unsupported`, `malformed`; empty when not signed.
    pub signature: String,
    /// The chain verdict ([`crate::pki::chain::ChainStatus`]); empty when
    /// not signed.
    pub chain: String,
    /// Signer certificate subject, RFC 4514.
    pub signer_subject: String,
    /// Its issuer, RFC 4514.
    pub signer_issuer: String,
    /// Its serial number, lowercase hex.
    pub signer_serial: String,
    /// SHA-256 of its DER, lowercase hex.
    pub signer_sha256: String,
    /// rfc822Name of its subjectAltName, else the subject emailAddress.
    pub signer_email: String,
    /// `yes`/`no`: whether the From address is among the certificate's.
    pub sender_match: String,
    /// `sha256`, `sha1`, … (the weaker hash when the signature names two).
    pub digest_alg: String,
    /// `rsa-pkcs1`, `rsa-pss`, `ecdsa-p256`, `ed25519`, `dsa`, …
    pub signature_alg: String,
    /// Signer public key size in bits.
    pub key_bits: String,
    /// signingTime attribute, RFC 3339 UTC.
    pub signing_time: String,
    /// When the chain was judged, RFC 3339 UTC.
    pub validated_at: String,
    /// Content cipher of enveloped data: `aes128-cbc`, `aes256-gcm`, …
    pub encryption_alg: String,
    /// `compliant`, `violation`, `unsigned`, `encrypted` or `error`.
    pub verdict: String,
    /// Rule IDs that apply, sorted, joined by `;`.
    pub findings: String,
    /// One-line detail for `malformed`, `invalid` and `error` cases.
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
    /// notAfter of the signer certificate, RFC 3339 UTC.
    #[serde(default)]
    pub signer_not_after: String,
}

impl Row {
    /// The cells in column order, as text.
    pub(crate) fn cells(&self) -> [std::borrow::Cow<'_, str>; 31] {
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
            B(&self.signer_not_after),
        ]
    }
}

/// Whether a character breaks a cell's line: a control character (C0,
/// DEL, C1: CR, LF, NUL, ESC, NEL, …) or a Unicode line/paragraph
/// separator.
fn breaks_line(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

/// Makes a value safe for one report cell: control characters (CR, LF,
/// NUL, …) become spaces, so no value can break a line.
pub(crate) fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if breaks_line(c) { ' ' } else { c })
        .collect()
}

impl Row {
    /// This row with every cell on one line ([`one_line`]): the one
    /// sanitiser every row passes through on its way to a report (the
    /// writers call it), whatever filled the cells. Borrowed when nothing
    /// needs changing.
    pub(crate) fn one_line(&self) -> std::borrow::Cow<'_, Row> {
        let clean = |s: &String| !s.chars().any(breaks_line);
        let texts = |r: &Row| {
            [
                &r.source,
                &r.message_id,
                &r.date,
                &r.from,
                &r.kind,
                &r.part,
                &r.signature,
                &r.chain,
                &r.signer_subject,
                &r.signer_issuer,
                &r.signer_serial,
                &r.signer_sha256,
                &r.signer_email,
                &r.sender_match,
                &r.digest_alg,
                &r.signature_alg,
                &r.key_bits,
                &r.signing_time,
                &r.validated_at,
                &r.encryption_alg,
                &r.verdict,
                &r.findings,
                &r.error,
                &r.layers,
                &r.anchor,
                &r.decryption,
                &r.signer_not_after,
            ]
            .into_iter()
            .all(clean)
        };
        if texts(self) {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut r = self.clone();
        for s in [
            &mut r.source,
            &mut r.message_id,
            &mut r.date,
            &mut r.from,
            &mut r.kind,
            &mut r.part,
            &mut r.signature,
            &mut r.chain,
            &mut r.signer_subject,
            &mut r.signer_issuer,
            &mut r.signer_serial,
            &mut r.signer_sha256,
            &mut r.signer_email,
            &mut r.sender_match,
            &mut r.digest_alg,
            &mut r.signature_alg,
            &mut r.key_bits,
            &mut r.signing_time,
            &mut r.validated_at,
            &mut r.encryption_alg,
            &mut r.verdict,
            &mut r.findings,
            &mut r.error,
            &mut r.layers,
            &mut r.anchor,
            &mut r.decryption,
            &mut r.signer_not_after,
        ] {
            if !clean(s) {
                *s = one_line(s);
            }
        }
        std::borrow::Cow::Owned(r)
    }
}
