//! Why a chain is not `trusted`: one typed value per problem, turned into
//! text only where the report is written (`scan::chain_columns`).

use std::fmt;

use const_oid::ObjectIdentifier;

use crate::pki::trust::AnchorRefusal;

/// A budget that bounds the cost of one judgement (see the module docs of
/// [`super`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Budget {
    /// Candidate issuer links examined per judgement ([`super::MAX_ATTEMPTS`]).
    PathSearch,
    /// Certificate and CRL signature checks per judgement
    /// (`super::MAX_SIGNATURES`).
    Signatures,
    /// Name-constraint comparisons per path ([`super::MAX_NAME_COMPARISONS`]).
    NameComparisons,
}

impl Budget {
    /// The budget's name and size, as written in `error`.
    pub(crate) fn describe(self) -> String {
        match self {
            Budget::PathSearch => format!(
                "path-search budget ({} candidate issuers)",
                super::MAX_ATTEMPTS
            ),
            Budget::Signatures => format!(
                "signature budget ({} signature checks)",
                super::MAX_SIGNATURES
            ),
            Budget::NameComparisons => format!(
                "name-constraint budget ({} name comparisons)",
                super::MAX_NAME_COMPARISONS
            ),
        }
    }
}

/// Why a certificate may not issue certificates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotCaReason {
    /// basicConstraints with cA FALSE.
    CaFalse,
    /// No basicConstraints (and not a self-issued anchor).
    NoBasicConstraints,
    /// keyUsage present without keyCertSign.
    NoKeyCertSign,
}

/// The kind of name that broke a name constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// An rfc822Name of subjectAltName or a subject emailAddress.
    Email,
    /// A dNSName.
    Dns,
    /// The subject Name or a directoryName of subjectAltName.
    Directory,
    /// A Microsoft user principal name (otherName 1.3.6.1.4.1.311.20.2.3).
    Upn,
    /// A subjectAltName of a type whose constraints are not matched here
    /// (GeneralName tag number).
    Unsupported(u8),
}

/// CRLReason codes (RFC 5280 5.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrlReason {
    /// unspecified (0): revoked whatever the judging time.
    Unspecified,
    /// keyCompromise (1): revoked whatever the judging time.
    KeyCompromise,
    /// cACompromise (2): revoked whatever the judging time.
    CaCompromise,
    /// affiliationChanged (3): revoked from the revocationDate on.
    AffiliationChanged,
    /// superseded (4): revoked from the revocationDate on.
    Superseded,
    /// cessationOfOperation (5): revoked from the revocationDate on.
    CessationOfOperation,
    /// certificateHold (6): suspended from the revocationDate on.
    CertificateHold,
    /// privilegeWithdrawn (9): revoked from the revocationDate on.
    PrivilegeWithdrawn,
    /// aACompromise (10): revoked from the revocationDate on.
    AaCompromise,
    /// A code RFC 5280 does not define.
    Other(u8),
}

impl CrlReason {
    /// From the ENUMERATED value.
    pub(crate) fn from_code(c: u8) -> CrlReason {
        match c {
            0 => CrlReason::Unspecified,
            1 => CrlReason::KeyCompromise,
            2 => CrlReason::CaCompromise,
            3 => CrlReason::AffiliationChanged,
            4 => CrlReason::Superseded,
            5 => CrlReason::CessationOfOperation,
            6 => CrlReason::CertificateHold,
            9 => CrlReason::PrivilegeWithdrawn,
            10 => CrlReason::AaCompromise,
            o => CrlReason::Other(o),
        }
    }

    /// Whether this reason revokes whatever the validation time (SPEC
    /// Revocation): the claimed signingTime cannot prove a signature came
    /// before a compromise. An absent reason counts as unspecified.
    pub(crate) fn revokes_always(reason: Option<CrlReason>) -> bool {
        matches!(
            reason,
            None | Some(CrlReason::Unspecified)
                | Some(CrlReason::KeyCompromise)
                | Some(CrlReason::CaCompromise)
        )
    }

    fn word(self) -> String {
        match self {
            CrlReason::Unspecified => "unspecified".into(),
            CrlReason::KeyCompromise => "keyCompromise".into(),
            CrlReason::CaCompromise => "cACompromise".into(),
            CrlReason::AffiliationChanged => "affiliationChanged".into(),
            CrlReason::Superseded => "superseded".into(),
            CrlReason::CessationOfOperation => "cessationOfOperation".into(),
            CrlReason::CertificateHold => "certificateHold".into(),
            CrlReason::PrivilegeWithdrawn => "privilegeWithdrawn".into(),
            CrlReason::AaCompromise => "aACompromise".into(),
            CrlReason::Other(c) => format!("reason code {c}"),
        }
    }
}

/// One problem of a chain. Subjects and issuers are RFC 4514 text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChainError {
    // --- untrusted ---------------------------------------------------
    /// No certificate with the issuer name of `subject` is known.
    IssuerNotFound {
        /// The certificate whose issuer is missing.
        subject: String,
        /// The issuer Name it names.
        issuer: String,
    },
    /// A self-issued certificate that is not a trust anchor ends the
    /// search.
    SelfIssuedNotAnchor {
        /// The self-issued certificate.
        subject: String,
    },
    /// The path grew past `super::MAX_DEPTH` certificates.
    PathTooLong {
        /// The most certificates a path may hold.
        max: usize,
    },
    /// A built-in root reached by the search does not anchor this chain
    /// at the judging time (trust history, `--builtin-trust asof`).
    BuiltinRootRefused(AnchorRefusal),
    // --- invalid -----------------------------------------------------
    /// A certificate signature does not verify with its issuer's key.
    BadSignature {
        /// The certificate whose signature fails.
        subject: String,
        /// The issuer whose key was used.
        issuer: String,
        /// What the signature check said.
        detail: String,
    },
    /// A certificate signature cannot be checked (algorithm, key).
    UnverifiableSignature {
        /// The certificate whose signature cannot be checked.
        subject: String,
        /// The issuer whose key it would take.
        issuer: String,
        /// Which algorithm or key stands in the way.
        detail: String,
    },
    /// An issuer is no CA.
    NotCa {
        /// The issuing certificate that may not issue.
        ca: String,
        /// What it lacks.
        reason: NotCaReason,
    },
    /// pathLenConstraint of `ca` exceeded.
    PathLenExceeded {
        /// The CA whose basicConstraints limit the path.
        ca: String,
        /// Its pathLenConstraint.
        max: u8,
        /// Intermediate CAs below it on the path (self-issued ones not counted).
        below: usize,
    },
    /// A name of `subject` violates a name constraint of `ca`.
    NameConstraint {
        /// The certificate holding the name.
        subject: String,
        /// The CA whose nameConstraints exclude it (or do not permit it).
        ca: String,
        /// Which kind of name it is.
        kind: NameKind,
        /// The name, as text.
        name: String,
    },
    /// `ca`'s nameConstraints extension does not decode.
    UndecodableNameConstraints {
        /// The CA carrying the extension.
        ca: String,
    },
    /// A critical extension this verifier cannot honour.
    UnsupportedCriticalExtension {
        /// The certificate carrying it.
        subject: String,
        /// The extension's identifier.
        oid: ObjectIdentifier,
    },
    /// An extension occurs twice (RFC 5280 4.2).
    DuplicateExtension {
        /// The certificate carrying it twice.
        subject: String,
        /// The repeated extension's identifier.
        oid: ObjectIdentifier,
    },
    /// A recognised extension whose value does not decode.
    UndecodableExtension {
        /// The certificate carrying it.
        subject: String,
        /// The extension's identifier.
        oid: ObjectIdentifier,
    },
    /// A CA's extendedKeyUsage lacks emailProtection and
    /// anyExtendedKeyUsage.
    CaEkuNotEmail {
        /// The CA whose extendedKeyUsage excludes e-mail.
        ca: String,
    },
    /// A budget was exhausted.
    BudgetExceeded(Budget),
    // --- time and revocation -----------------------------------------
    /// Listed on a CRL of its issuer.
    Revoked {
        /// The revoked certificate.
        subject: String,
        /// Its serial number, lowercase hex.
        serial: String,
        /// The CRL entry's revocationDate, Unix seconds.
        date: i64,
        /// The entry's reasonCode, when it has one.
        reason: Option<CrlReason>,
    },
    /// notAfter before the judging time.
    Expired {
        /// The certificate out of its validity.
        subject: String,
        /// Its notAfter, Unix seconds.
        not_after: i64,
    },
    /// notBefore after the judging time.
    NotYetValid {
        /// The certificate not yet in its validity.
        subject: String,
        /// Its notBefore, Unix seconds.
        not_before: i64,
    },
    // --- missing -----------------------------------------------------
    /// The signer's certificate is nowhere to be found.
    MissingSignerCert,
}

/// OID as its registered name, else dotted.
pub(crate) fn oid_name(oid: &ObjectIdentifier) -> String {
    const_oid::db::DB
        .by_oid(oid)
        .map(str::to_owned)
        .unwrap_or_else(|| oid.to_string())
}

/// Time as RFC 3339 UTC text ([`crate::time::rfc3339`]); Unix seconds
/// outside years 0000–9999.
pub(crate) fn fmt_time(t: i64) -> String {
    let text = crate::time::rfc3339(t);
    if text.is_empty() {
        t.to_string()
    } else {
        text
    }
}

impl fmt::Display for ChainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ChainError::*;
        match self {
            IssuerNotFound { subject, issuer } => write!(
                f,
                "no path to a trust anchor: issuer '{issuer}' of '{subject}' not found"
            ),
            SelfIssuedNotAnchor { subject } => write!(
                f,
                "no path to a trust anchor: self-issued '{subject}' is not a trust anchor"
            ),
            PathTooLong { max } => write!(
                f,
                "no path to a trust anchor: path longer than {max} certificates"
            ),
            BuiltinRootRefused(r) => write!(f, "no path to a trust anchor: {r}"),
            BadSignature {
                subject,
                issuer,
                detail,
            } => write!(
                f,
                "signature of '{subject}' does not verify with the key of '{issuer}' ({detail})"
            ),
            UnverifiableSignature {
                subject,
                issuer,
                detail,
            } => write!(
                f,
                "signature of '{subject}' by '{issuer}' not verifiable: {detail}"
            ),
            NotCa { ca, reason } => match reason {
                NotCaReason::CaFalse => {
                    write!(f, "'{ca}' is not a CA (basicConstraints cA=false)")
                }
                NotCaReason::NoBasicConstraints => {
                    write!(f, "'{ca}' is not a CA (no basicConstraints)")
                }
                NotCaReason::NoKeyCertSign => write!(f, "'{ca}' keyUsage lacks keyCertSign"),
            },
            PathLenExceeded { ca, max, below } => write!(
                f,
                "pathLenConstraint {max} of '{ca}' exceeded ({below} intermediate CA(s) below it)"
            ),
            NameConstraint {
                subject,
                ca,
                kind,
                name,
            } => {
                let what = match kind {
                    NameKind::Email => format!("e-mail address {name}"),
                    NameKind::Dns => format!("DNS name {name}"),
                    NameKind::Directory => format!("directory name '{name}'"),
                    NameKind::Upn => format!("UPN {name}"),
                    NameKind::Unsupported(t) => {
                        format!("a subjectAltName of type {t} (unsupported constraint type)")
                    }
                };
                write!(
                    f,
                    "{what} of '{subject}' violates the name constraints of '{ca}'"
                )
            }
            UndecodableNameConstraints { ca } => {
                write!(f, "'{ca}' has an undecodable nameConstraints")
            }
            UnsupportedCriticalExtension { subject, oid } => write!(
                f,
                "'{subject}' has an unsupported critical extension {}",
                oid_name(oid)
            ),
            DuplicateExtension { subject, oid } => {
                write!(f, "'{subject}' repeats the extension {}", oid_name(oid))
            }
            UndecodableExtension { subject, oid } => write!(
                f,
                "'{subject}' has an undecodable {} extension",
                oid_name(oid)
            ),
            CaEkuNotEmail { ca } => write!(
                f,
                "CA '{ca}' extendedKeyUsage allows neither emailProtection nor anyExtendedKeyUsage"
            ),
            BudgetExceeded(b) => write!(f, "{} exceeded", b.describe()),
            Revoked {
                subject,
                serial,
                date,
                reason,
            } => {
                write!(
                    f,
                    "'{subject}' (serial {serial}) revoked on {}",
                    fmt_time(*date)
                )?;
                if let Some(r) = reason {
                    write!(f, " ({})", r.word())?;
                }
                Ok(())
            }
            Expired { subject, not_after } => {
                write!(f, "'{subject}' expired on {}", fmt_time(*not_after))
            }
            NotYetValid {
                subject,
                not_before,
            } => write!(f, "'{subject}' not valid before {}", fmt_time(*not_before)),
            MissingSignerCert => {
                write!(f, "signer certificate not in the message nor in --certs")
            }
        }
    }
}

impl std::error::Error for ChainError {}
