//! The compliance policy (TOML), the findings and the verdict.

use std::collections::BTreeSet;

use serde::Deserialize;

/// A rule ID of SPEC's findings table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Finding {
    SigInvalid,
    SigMalformed,
    SigUnsupported,
    ChainUntrusted,
    ChainInvalid,
    CertExpired,
    CertNotYetValid,
    CertRevoked,
    SignerCertMissing,
    SenderMismatch,
    EkuMissing,
    KeyUsage,
    WeakDigest,
    WeakKey,
    WeakEncryption,
    PartialSignature,
    UnsignedRequired,
    MalformedMessage,
    AmbiguousHeader,
    OtherSignerUntrusted,
    OtherSignatureInvalid,
    DecryptFailed,
    SigningTimeSkew,
}

impl Finding {
    pub(crate) const ALL: [Finding; 23] = [
        Finding::SigInvalid,
        Finding::SigMalformed,
        Finding::SigUnsupported,
        Finding::ChainUntrusted,
        Finding::ChainInvalid,
        Finding::CertExpired,
        Finding::CertNotYetValid,
        Finding::CertRevoked,
        Finding::SignerCertMissing,
        Finding::SenderMismatch,
        Finding::EkuMissing,
        Finding::KeyUsage,
        Finding::WeakDigest,
        Finding::WeakKey,
        Finding::WeakEncryption,
        Finding::PartialSignature,
        Finding::UnsignedRequired,
        Finding::MalformedMessage,
        Finding::AmbiguousHeader,
        Finding::OtherSignerUntrusted,
        Finding::OtherSignatureInvalid,
        Finding::DecryptFailed,
        Finding::SigningTimeSkew,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Finding::SigInvalid => "SIG_INVALID",
            Finding::SigMalformed => "SIG_MALFORMED",
            Finding::SigUnsupported => "SIG_UNSUPPORTED",
            Finding::ChainUntrusted => "CHAIN_UNTRUSTED",
            Finding::ChainInvalid => "CHAIN_INVALID",
            Finding::CertExpired => "CERT_EXPIRED",
            Finding::CertNotYetValid => "CERT_NOT_YET_VALID",
            Finding::CertRevoked => "CERT_REVOKED",
            Finding::SignerCertMissing => "SIGNER_CERT_MISSING",
            Finding::SenderMismatch => "SENDER_MISMATCH",
            Finding::EkuMissing => "EKU_MISSING",
            Finding::KeyUsage => "KEY_USAGE",
            Finding::WeakDigest => "WEAK_DIGEST",
            Finding::WeakKey => "WEAK_KEY",
            Finding::WeakEncryption => "WEAK_ENCRYPTION",
            Finding::PartialSignature => "PARTIAL_SIGNATURE",
            Finding::UnsignedRequired => "UNSIGNED_REQUIRED",
            Finding::MalformedMessage => "MALFORMED_MESSAGE",
            Finding::AmbiguousHeader => "AMBIGUOUS_HEADER",
            Finding::OtherSignerUntrusted => "OTHER_SIGNER_UNTRUSTED",
            Finding::OtherSignatureInvalid => "OTHER_SIGNATURE_INVALID",
            Finding::DecryptFailed => "DECRYPT_FAILED",
            Finding::SigningTimeSkew => "SIGNING_TIME_SKEW",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Finding> {
        Finding::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// The policy file. Every key is optional; `Policy::default()` is SPEC's
/// built-in policy.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    pub(crate) min_rsa_bits: u32,
    pub(crate) min_ec_bits: u32,
    pub(crate) weak_digests: Vec<String>,
    pub(crate) weak_encryption: Vec<String>,
    pub(crate) require_signed: Vec<String>,
    /// SIGNING_TIME_SKEW: how many days a signingTime may precede the
    /// topmost Received date.
    pub(crate) max_signing_time_skew_days: u32,
    pub(crate) disabled_findings: Vec<String>,
    #[serde(skip)]
    globs: Vec<glob::Pattern>,
    #[serde(skip)]
    disabled: BTreeSet<Finding>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            min_rsa_bits: 2048,
            min_ec_bits: 256,
            weak_digests: vec!["md5".into(), "sha1".into()],
            weak_encryption: vec![
                "des-cbc".into(),
                "des-ede3-cbc".into(),
                "rc2-cbc".into(),
                "rc4".into(),
            ],
            require_signed: Vec::new(),
            max_signing_time_skew_days: 30,
            disabled_findings: Vec::new(),
            globs: Vec::new(),
            disabled: BTreeSet::new(),
        }
    }
}

/// Why a policy file cannot be used (a typo must not silently weaken an
/// audit). The text is what the command prints.
#[derive(Debug)]
pub enum PolicyError {
    /// The file cannot be read.
    Io(std::io::Error),
    /// Not TOML, or a key or value of the wrong shape (the parser's words).
    Toml(toml::de::Error),
    /// A `require_signed` glob that does not parse.
    Glob {
        /// The glob as written.
        glob: String,
        /// What is wrong with it.
        error: glob::PatternError,
    },
    /// A `disabled_findings` entry that names no finding.
    UnknownFinding(String),
    /// The problem of the named policy file.
    File(std::path::PathBuf, Box<PolicyError>),
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PolicyError::Io(e) => e.fmt(f),
            PolicyError::Toml(e) => e.fmt(f),
            PolicyError::Glob { glob, error } => write!(f, "require_signed {glob:?}: {error}"),
            PolicyError::UnknownFinding(name) => {
                write!(f, "disabled_findings: unknown finding {name:?}")
            }
            PolicyError::File(path, e) => write!(f, "{}: {e}", path.display()),
        }
    }
}

impl std::error::Error for PolicyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PolicyError::Io(e) => Some(e),
            PolicyError::Toml(e) => Some(e),
            PolicyError::Glob { error, .. } => Some(error),
            PolicyError::UnknownFinding(_) => None,
            PolicyError::File(_, e) => Some(e.as_ref()),
        }
    }
}

impl Policy {
    /// Parses a policy file's text. Unknown keys, bad globs and unknown
    /// finding names are errors (a typo must not silently weaken an audit).
    pub(crate) fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        let mut p: Policy = toml::from_str(text).map_err(PolicyError::Toml)?;
        p.prepare()?;
        Ok(p)
    }

    /// Reads a policy file.
    pub(crate) fn load(path: &std::path::Path) -> Result<Policy, PolicyError> {
        let in_file = |e| PolicyError::File(path.to_path_buf(), Box::new(e));
        let text = std::fs::read_to_string(path).map_err(|e| in_file(PolicyError::Io(e)))?;
        Policy::from_toml(&text).map_err(in_file)
    }

    fn prepare(&mut self) -> Result<(), PolicyError> {
        self.globs = self
            .require_signed
            .iter()
            .map(|g| {
                glob::Pattern::new(&g.to_ascii_lowercase()).map_err(|error| PolicyError::Glob {
                    glob: g.clone(),
                    error,
                })
            })
            .collect::<Result<_, _>>()?;
        self.disabled = self
            .disabled_findings
            .iter()
            .map(|f| Finding::parse(f).ok_or_else(|| PolicyError::UnknownFinding(f.clone())))
            .collect::<Result<_, _>>()?;
        self.weak_digests
            .iter_mut()
            .for_each(|s| *s = s.to_ascii_lowercase());
        self.weak_encryption
            .iter_mut()
            .for_each(|s| *s = s.to_ascii_lowercase());
        Ok(())
    }

    pub(crate) fn is_weak_digest(&self, alg: &str) -> bool {
        self.weak_digests.iter().any(|d| d == alg)
    }

    pub(crate) fn is_weak_encryption(&self, alg: &str) -> bool {
        self.weak_encryption.iter().any(|d| d == alg)
    }

    /// Whether a key of `signature_alg` (report vocabulary) and `bits` is
    /// under the policy's minimum. Ed25519/Ed448 are never weak.
    pub(crate) fn is_weak_key(&self, signature_alg: &str, bits: u32) -> bool {
        if signature_alg.starts_with("rsa") || signature_alg == "dsa" {
            bits < self.min_rsa_bits
        } else if signature_alg.starts_with("ecdsa") {
            bits < self.min_ec_bits
        } else {
            false
        }
    }

    /// Whether mail from `addr` must be signed.
    pub(crate) fn requires_signed(&self, addr: &str) -> bool {
        let opts = glob::MatchOptions {
            case_sensitive: false,
            require_literal_separator: false,
            require_literal_leading_dot: false,
        };
        let addr = addr.to_ascii_lowercase();
        self.globs.iter().any(|g| g.matches_with(&addr, opts))
    }

    pub(crate) fn enabled(&self, f: Finding) -> bool {
        !self.disabled.contains(&f)
    }
}

/// The report's `verdict` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Compliant,
    Violation,
    Unsigned,
    Encrypted,
    Error,
}

impl Verdict {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Verdict::Compliant => "compliant",
            Verdict::Violation => "violation",
            Verdict::Unsigned => "unsigned",
            Verdict::Encrypted => "encrypted",
            Verdict::Error => "error",
        }
    }
}

/// What the verdict depends on.
pub(crate) struct Facts<'a> {
    pub(crate) malformed: bool,
    pub(crate) signed: bool,
    pub(crate) encrypted: bool,
    pub(crate) signature: &'a str,
    pub(crate) chain: &'a str,
}

/// SPEC's verdict rules: `error` for a malformed message; else `violation`
/// when an enabled finding is present; else `compliant` for a signed
/// message with a valid signature and a trusted chain, `encrypted` for
/// enveloped ones, `unsigned` for the rest. `findings` must already be
/// filtered by the policy.
pub(crate) fn verdict(facts: &Facts, findings: &BTreeSet<Finding>) -> Verdict {
    if facts.malformed {
        Verdict::Error
    } else if !findings.is_empty() {
        Verdict::Violation
    } else if facts.signed && facts.signature == "valid" && facts.chain == "trusted" {
        Verdict::Compliant
    } else if facts.encrypted {
        Verdict::Encrypted
    } else {
        Verdict::Unsigned
    }
}

/// `--fail-on violation`: a row whose verdict is `violation` or `error`
/// (a message that cannot be judged must not pass the gate).
pub(crate) fn fails_violation(verdict: &str) -> bool {
    verdict == Verdict::Violation.as_str() || verdict == Verdict::Error.as_str()
}

/// `--fail-on invalid`: a row that holds a signature (its `signature`
/// cell is not empty) that is not `valid` with chain `trusted` —
/// `unsupported`, `malformed` and `missing-signer-cert` included, so no
/// algorithm or structure the scanner rejects passes — or whose findings
/// say another signer or another structure of the message failed.
pub(crate) fn fails_invalid(signature: &str, chain: &str, findings: &str) -> bool {
    let reported = !signature.is_empty() && (signature != "valid" || chain != "trusted");
    let others = findings.split(';').any(|f| {
        f == Finding::OtherSignatureInvalid.as_str() || f == Finding::OtherSignerUntrusted.as_str()
    });
    reported || others
}

/// Findings as the report writes them: sorted, joined by `;`.
pub(crate) fn findings_text(findings: &BTreeSet<Finding>) -> String {
    let mut v: Vec<&str> = findings.iter().map(|f| f.as_str()).collect();
    v.sort_unstable();
    v.join(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_file() {
        let p = Policy::from_toml(
            "min_rsa_bits = 3072\nrequire_signed = [\"*@Finance.example.com\"]\ndisabled_findings = [\"SENDER_MISMATCH\"]\n",
        )
        .unwrap();
        assert_eq!(p.min_rsa_bits, 3072);
        assert_eq!(p.min_ec_bits, 256);
        assert!(p.requires_signed("CFO@finance.example.com"));
        assert!(!p.requires_signed("cfo@example.com"));
        assert!(!p.enabled(Finding::SenderMismatch));
        assert!(p.is_weak_key("rsa-pkcs1", 2048));
        assert!(!p.is_weak_key("ed25519", 255));
        assert!(Policy::from_toml("min_rsa_bit = 1").is_err());
        assert!(Policy::from_toml("disabled_findings = [\"NOPE\"]").is_err());
    }

    #[test]
    fn fail_on_gates() {
        assert!(fails_violation("violation"));
        assert!(fails_violation("error"));
        assert!(!fails_violation("compliant"));
        assert!(!fails_violation("unsigned"));
        assert!(fails_invalid("unsupported", "trusted", ""));
        assert!(fails_invalid("malformed", "", "SIG_MALFORMED"));
        assert!(fails_invalid("valid", "missing-signer-cert", ""));
        assert!(fails_invalid("valid", "untrusted", ""));
        assert!(fails_invalid("valid", "trusted", "OTHER_SIGNATURE_INVALID"));
        assert!(fails_invalid(
            "valid",
            "trusted",
            "A;OTHER_SIGNER_UNTRUSTED"
        ));
        assert!(fails_invalid("", "", "OTHER_SIGNATURE_INVALID"));
        assert!(!fails_invalid("valid", "trusted", "SENDER_MISMATCH"));
        assert!(!fails_invalid("", "", ""));
    }

    #[test]
    fn findings_sorted() {
        let f: BTreeSet<_> = [Finding::WeakKey, Finding::CertExpired, Finding::SigInvalid].into();
        assert_eq!(findings_text(&f), "CERT_EXPIRED;SIG_INVALID;WEAK_KEY");
    }
}
