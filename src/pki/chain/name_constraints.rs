//! Name constraints (RFC 5280 4.2.1.10 and 7.1) of every CA on a path over
//! the certificates below it, in a bounded number of comparisons.
//!
//! - rfc822Name: a mailbox (`a@b.c`), every mailbox at a host (`b.c`), or
//!   every mailbox in the subdomains of a domain (`.b.c`); hosts compare
//!   case-insensitively. Names are subjectAltName rfc822Names and subject
//!   emailAddress values. A name that is no valid addr-spec
//!   (`invalid@address@example.com`) matches no permitted subtree and every
//!   excluded one, so it can never slip through.
//! - dNSName: the constraint host and hosts formed by adding labels to its
//!   left; a leading `.` means subdomains only.
//! - directoryName: the subject (when not empty) and subjectAltName
//!   directoryNames must start with the constraint's RDNs, compared per RFC
//!   5280 7.1: attribute types by OID, string values (PrintableString,
//!   UTF8String, IA5String, VisibleString, TeletexString read as Latin-1,
//!   BMPString, UniversalString) after RFC 4518 preparation (case folded,
//!   insignificant spaces dropped, leading/trailing spaces removed); other
//!   values by their DER. NFKC normalisation is not applied. A value that
//!   cannot be read as text fails closed.
//! - Microsoft user principal names (otherName 1.3.6.1.4.1.311.20.2.3,
//!   UTF8String), as Windows CryptoAPI processes them and enterprise CAs
//!   under public roots carry them: a UPN lies in a UPN subtree when its part
//!   after the last `@` equals the constraint or is a subdomain of it (a
//!   leading `.` means subdomains only; a constraint holding an `@` is one
//!   whole UPN, compared case-insensitively). A UPN without `@` or with an
//!   empty label, and a constraint that is no UTF8String, match no permitted
//!   and every excluded subtree. A deliberate difference from OpenSSL, which
//!   rejects such chains ("unsupported name constraint type").
//! - A subjectAltName of another type (URI, IP address, otherName, …) under
//!   a constraint of that type is a violation: those types are not matched.
//!   otherNames of other types count as one type with UPNs here: any other
//!   otherName under a UPN constraint, and a UPN under a constraint on
//!   another otherName type, are violations (OpenSSL lets an otherName of
//!   another type pass a UPN constraint).
//!
//! Every (name, constraint) pair costs one comparison; past
//! [`super::MAX_NAME_COMPARISONS`] per path the check stops with
//! [`Budget::NameComparisons`].

use std::sync::Arc;

use const_oid::db::rfc5280;
use const_oid::ObjectIdentifier;
use der::{Decode, Tagged};
use x509_cert::ext::pkix::name::{GeneralName, OtherName};
use x509_cert::ext::pkix::{NameConstraints, SubjectAltName};
use x509_cert::name::Name;

use super::error::{Budget, ChainError, NameKind};
use crate::pki::cert::{any_string, Cert, EMAIL_ADDRESS};

/// Comparisons spent on one path, against a limit.
pub(crate) struct Counter {
    pub(crate) used: usize,
    max: usize,
}

impl Counter {
    pub(crate) fn new(max: usize) -> Counter {
        Counter { used: 0, max }
    }

    fn tick(&mut self) -> Result<(), Budget> {
        self.used += 1;
        if self.used > self.max {
            Err(Budget::NameComparisons)
        } else {
            Ok(())
        }
    }
}

/// An RFC 5322 addr-spec split at its `@`, or the raw text when it is
/// none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mailbox {
    /// Local part as written, domain lowercase.
    Valid {
        local: String,
        domain: String,
    },
    Malformed(String),
}

fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii()
}

/// Parses an addr-spec: a dot-atom or quoted-string local part, `@`, and a
/// domain of dot-separated non-empty labels (or an address literal).
pub(crate) fn parse_mailbox(s: &str) -> Mailbox {
    let bad = || Mailbox::Malformed(s.to_string());
    let (local, rest) = if let Some(q) = s.strip_prefix('"') {
        // quoted-string: up to the closing unescaped quote.
        let mut esc = false;
        let mut end = None;
        for (i, c) in q.char_indices() {
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                end = Some(i);
                break;
            } else if c.is_control() {
                return bad();
            }
        }
        let Some(e) = end else { return bad() };
        (&s[..e + 2], &q[e + 1..])
    } else {
        match s.find('@') {
            Some(i) => {
                let l = &s[..i];
                if l.is_empty()
                    || l.split('.')
                        .any(|a| a.is_empty() || !a.chars().all(is_atext))
                {
                    return bad();
                }
                (l, &s[i..])
            }
            None => return bad(),
        }
    };
    let Some(domain) = rest.strip_prefix('@') else {
        return bad();
    };
    let literal = domain.starts_with('[')
        && domain.ends_with(']')
        && !domain[1..domain.len() - 1].contains(['[', ']', '\\']);
    let dot_atom = !domain.is_empty()
        && domain
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(is_atext));
    if !(literal || dot_atom) {
        return bad();
    }
    Mailbox::Valid {
        local: local.to_string(),
        domain: domain.to_ascii_lowercase(),
    }
}

/// An rfc822Name constraint, split once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EmailConstraint {
    /// One mailbox: local part as written, domain lowercase.
    Mailbox(String, String),
    /// Every mailbox in the subdomains of a domain (`.b.c`, lowercase).
    Subdomains(String),
    /// Every mailbox at one host (lowercase).
    Host(String),
}

impl EmailConstraint {
    /// Reads a constraint (CA data: split at its last `@`).
    pub(crate) fn parse(c: &str) -> EmailConstraint {
        if let Some(at) = c.rfind('@') {
            EmailConstraint::Mailbox(c[..at].to_string(), c[at + 1..].to_ascii_lowercase())
        } else if c.starts_with('.') {
            EmailConstraint::Subdomains(c.to_ascii_lowercase())
        } else {
            EmailConstraint::Host(c.to_ascii_lowercase())
        }
    }
}

/// Whether `m` lies in the rfc822Name subtree `c`. In an excluded subtree
/// the local part of a mailbox constraint compares case-insensitively
/// (more names excluded), in a permitted one exactly. A malformed mailbox
/// is outside every permitted and inside every excluded subtree.
pub(crate) fn email_matches(m: &Mailbox, c: &EmailConstraint, excluded: bool) -> bool {
    let Mailbox::Valid { local, domain } = m else {
        return excluded;
    };
    match c {
        EmailConstraint::Mailbox(cl, cd) => {
            let local_ok = if excluded {
                local.eq_ignore_ascii_case(cl)
            } else {
                local == cl
            };
            local_ok && domain == cd
        }
        EmailConstraint::Subdomains(s) => domain.len() > s.len() && domain.ends_with(s.as_str()),
        EmailConstraint::Host(h) => domain == h,
    }
}

/// Microsoft user principal name, otherName type-id.
pub(crate) const MS_UPN: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.20.2.3");

/// The UTF8String value of an otherName, if it is one.
fn other_name_text(o: &OtherName) -> Option<String> {
    if o.value.tag() != der::Tag::Utf8String {
        return None;
    }
    std::str::from_utf8(o.value.value()).ok().map(str::to_owned)
}

/// A UPN of a certificate: the raw text and its domain (lowercase), None
/// when malformed.
type Upn = (String, Option<String>);

fn upn_name(o: &OtherName) -> Upn {
    let Some(text) = other_name_text(o) else {
        return ("(not a UTF8String)".to_string(), None);
    };
    let domain = text.rfind('@').and_then(|at| {
        let (local, domain) = (&text[..at], &text[at + 1..]);
        let ok = !local.is_empty() && domain.split('.').all(|l| !l.is_empty());
        ok.then(|| domain.to_ascii_lowercase())
    });
    (text, domain)
}

/// A UPN constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UpnConstraint {
    /// A domain (lowercase; leading `.` = subdomains only).
    Domain(String),
    /// One whole UPN (holds an `@`).
    Exact(String),
    /// Not a UTF8String.
    Undecodable,
}

impl UpnConstraint {
    fn parse(o: &OtherName) -> UpnConstraint {
        match other_name_text(o) {
            Some(t) if t.contains('@') => UpnConstraint::Exact(t),
            Some(t) => UpnConstraint::Domain(dns_norm(&t)),
            None => UpnConstraint::Undecodable,
        }
    }
}

/// Whether a UPN lies in a UPN subtree (Windows CryptoAPI's reading: by
/// domain suffix). Malformed names and undecodable constraints fail
/// closed: outside every permitted, inside every excluded subtree.
pub(crate) fn upn_matches(
    upn: &str,
    domain: Option<&str>,
    c: &UpnConstraint,
    excluded: bool,
) -> bool {
    let Some(domain) = domain else {
        return excluded;
    };
    match c {
        UpnConstraint::Domain(d) => dns_matches(domain, d),
        UpnConstraint::Exact(e) => upn.eq_ignore_ascii_case(e),
        UpnConstraint::Undecodable => excluded,
    }
}

/// dNSName matching (both lowercase, no trailing dot).
pub(crate) fn dns_matches(name: &str, constraint: &str) -> bool {
    if constraint.is_empty() {
        return true;
    }
    if constraint.starts_with('.') {
        return name.len() > constraint.len() && name.ends_with(constraint);
    }
    name == constraint
        || (name.len() > constraint.len()
            && name.ends_with(constraint)
            && name.as_bytes()[name.len() - constraint.len() - 1] == b'.')
}

fn dns_norm(s: &str) -> String {
    s.trim_end_matches('.').to_ascii_lowercase()
}

/// An attribute value prepared for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    /// A string type, RFC 4518-prepared.
    Text(String),
    /// Anything else: tag and DER value bytes.
    Raw(Vec<u8>),
}

/// A Name as RDNs of (type, value).
type Prepared = Vec<Vec<(ObjectIdentifier, Value)>>;

/// RFC 4518 preparation, approximately: characters to remove (soft
/// hyphen, zero-width and variation selectors) are dropped, whitespace and
/// controls become spaces, letters are case-folded, runs of spaces become
/// one and leading/trailing spaces go.
pub(crate) fn prep(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for ch in s.chars() {
        if matches!(ch, '\u{00AD}' | '\u{034F}' | '\u{200B}' | '\u{FEFF}' | '\u{180B}'..='\u{180D}' | '\u{FE00}'..='\u{FE0F}')
        {
            continue;
        }
        if ch.is_whitespace() || ch.is_control() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.extend(ch.to_lowercase());
    }
    out
}

fn text_of(tag: u8, v: &[u8]) -> Option<String> {
    match tag {
        // UTF8String, PrintableString, IA5String, VisibleString
        0x0c | 0x13 | 0x16 | 0x1a => std::str::from_utf8(v).ok().map(str::to_owned),
        // TeletexString, read as Latin-1 as most software does
        0x14 => Some(v.iter().map(|&b| b as char).collect()),
        // BMPString
        0x1e => {
            if !v.len().is_multiple_of(2) {
                return None;
            }
            let u: Vec<u16> = v
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&u).ok()
        }
        // UniversalString
        0x1c => {
            if !v.len().is_multiple_of(4) {
                return None;
            }
            v.chunks(4)
                .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                .collect()
        }
        _ => None,
    }
}

fn prepare_name(n: &Name) -> Prepared {
    n.0.iter()
        .map(|rdn| {
            rdn.0
                .iter()
                .map(|atv| {
                    let tag = u8::from(atv.value.tag());
                    let v = match text_of(tag, atv.value.value()) {
                        Some(t) => Value::Text(prep(&t)),
                        None => {
                            let mut raw = vec![tag];
                            raw.extend_from_slice(atv.value.value());
                            Value::Raw(raw)
                        }
                    };
                    (atv.oid, v)
                })
                .collect()
        })
        .collect()
}

/// Whether two values are equal; a text against a non-text value is
/// undecidable and resolves to `undecided`.
fn value_eq(a: &Value, b: &Value, undecided: bool) -> bool {
    match (a, b) {
        (Value::Text(x), Value::Text(y)) => x == y,
        (Value::Raw(x), Value::Raw(y)) => x == y,
        _ => undecided,
    }
}

/// Whether `name`'s RDN sequence starts with `base`'s. For an excluded
/// subtree undecidable values count as equal, for a permitted one as
/// different: either way the doubt is a violation.
fn dn_within(name: &Prepared, base: &Prepared, excluded: bool) -> bool {
    if base.len() > name.len() {
        return false;
    }
    base.iter().zip(name).all(|(b, n)| {
        b.len() == n.len()
            && b.iter().all(|(bo, bv)| {
                n.iter()
                    .any(|(no, nv)| no == bo && value_eq(nv, bv, excluded))
            })
    })
}

/// The names of one certificate that constraints apply to.
struct Names {
    emails: Vec<(String, Mailbox)>,
    dns: Vec<String>,
    dirs: Vec<(String, Prepared)>,
    upns: Vec<Upn>,
    /// Tag numbers of subjectAltNames of unmatched types.
    other_types: Vec<u8>,
}

fn gn_tag(g: &GeneralName) -> u8 {
    match g {
        GeneralName::OtherName(_) => 0,
        GeneralName::Rfc822Name(_) => 1,
        GeneralName::DnsName(_) => 2,
        GeneralName::DirectoryName(_) => 4,
        GeneralName::EdiPartyName(_) => 5,
        GeneralName::UniformResourceIdentifier(_) => 6,
        GeneralName::IpAddress(_) => 7,
        GeneralName::RegisteredId(_) => 8,
    }
}

fn names_of(c: &Cert) -> Names {
    let mut n = Names {
        emails: Vec::new(),
        dns: Vec::new(),
        dirs: Vec::new(),
        upns: Vec::new(),
        other_types: Vec::new(),
    };
    let tbs = &c.cert.tbs_certificate;
    // Undecodable or repeated subjectAltNames are
    // ChainError::UndecodableExtension / DuplicateExtension already.
    for ext in tbs.extensions.iter().flatten() {
        if ext.extn_id != rfc5280::ID_CE_SUBJECT_ALT_NAME {
            continue;
        }
        let Ok(san) = SubjectAltName::from_der(ext.extn_value.as_bytes()) else {
            continue;
        };
        for gn in san.0 {
            match &gn {
                GeneralName::Rfc822Name(s) => n
                    .emails
                    .push((s.as_str().to_string(), parse_mailbox(s.as_str()))),
                GeneralName::DnsName(d) => n.dns.push(dns_norm(d.as_str())),
                GeneralName::DirectoryName(d) => n.dirs.push((d.to_string(), prepare_name(d))),
                GeneralName::OtherName(o) if o.type_id == MS_UPN => n.upns.push(upn_name(o)),
                other => n.other_types.push(gn_tag(other)),
            }
        }
    }
    for rdn in tbs.subject.0.iter() {
        for atv in rdn.0.iter() {
            if atv.oid == EMAIL_ADDRESS {
                let s = any_string(&atv.value).unwrap_or_default();
                n.emails.push((s.clone(), parse_mailbox(&s)));
            }
        }
    }
    if !tbs.subject.0.is_empty() {
        n.dirs.push((c.subject.clone(), prepare_name(&tbs.subject)));
    }
    n
}

/// One side (permitted or excluded) of a CA's constraints, prepared.
#[derive(Default)]
struct Subtrees {
    emails: Vec<EmailConstraint>,
    dns: Vec<String>,
    dirs: Vec<Prepared>,
    upns: Vec<UpnConstraint>,
    other_types: Vec<u8>,
}

impl Subtrees {
    fn from(
        list: Option<&Vec<x509_cert::ext::pkix::constraints::name::GeneralSubtree>>,
    ) -> Subtrees {
        let mut s = Subtrees::default();
        for st in list.into_iter().flatten() {
            match &st.base {
                GeneralName::Rfc822Name(e) => s.emails.push(EmailConstraint::parse(e.as_str())),
                GeneralName::DnsName(d) => s.dns.push(dns_norm(d.as_str())),
                GeneralName::DirectoryName(d) => s.dirs.push(prepare_name(d)),
                GeneralName::OtherName(o) if o.type_id == MS_UPN => {
                    s.upns.push(UpnConstraint::parse(o))
                }
                other => s.other_types.push(gn_tag(other)),
            }
        }
        s
    }
}

/// Checks the constraints of every CA on `path` (anchor last) over the
/// certificates below it. Violations go to `problems`; a spent budget
/// stops the check.
pub(super) fn check_path(
    path: &[Arc<Cert>],
    counter: &mut Counter,
    problems: &mut Vec<ChainError>,
) -> Result<(), Budget> {
    let mut names: Vec<Option<Names>> = (0..path.len()).map(|_| None).collect();
    for i in 1..path.len() {
        let ca = &path[i];
        let Some(ext) = ca
            .cert
            .tbs_certificate
            .extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == rfc5280::ID_CE_NAME_CONSTRAINTS)
        else {
            continue;
        };
        let Ok(nc) = NameConstraints::from_der(ext.extn_value.as_bytes()) else {
            problems.push(ChainError::UndecodableNameConstraints {
                ca: ca.subject.clone(),
            });
            continue;
        };
        let permitted = Subtrees::from(nc.permitted_subtrees.as_ref());
        let excluded = Subtrees::from(nc.excluded_subtrees.as_ref());
        for j in 0..i {
            // Self-issued intermediates are exempt (RFC 5280 6.1.3 b/c).
            if j > 0 && path[j].is_self_issued() {
                continue;
            }
            let n = names[j].get_or_insert_with(|| names_of(&path[j]));
            check_cert(n, &permitted, &excluded, counter, &mut |kind, name| {
                problems.push(ChainError::NameConstraint {
                    subject: path[j].subject.clone(),
                    ca: ca.subject.clone(),
                    kind,
                    name,
                })
            })?;
        }
    }
    Ok(())
}

/// Generic permitted/excluded check of a list of names.
fn check_kind<N, C>(
    names: &[N],
    permitted: &[C],
    excluded: &[C],
    counter: &mut Counter,
    matches: impl Fn(&N, &C, bool) -> bool,
    mut fail: impl FnMut(&N),
) -> Result<(), Budget> {
    for n in names {
        let mut bad = false;
        if !permitted.is_empty() {
            let mut any = false;
            for p in permitted {
                counter.tick()?;
                if matches(n, p, false) {
                    any = true;
                    break;
                }
            }
            bad = !any;
        }
        if !bad {
            for x in excluded {
                counter.tick()?;
                if matches(n, x, true) {
                    bad = true;
                    break;
                }
            }
        }
        if bad {
            fail(n);
        }
    }
    Ok(())
}

fn check_cert(
    n: &Names,
    permitted: &Subtrees,
    excluded: &Subtrees,
    counter: &mut Counter,
    fail: &mut dyn FnMut(NameKind, String),
) -> Result<(), Budget> {
    check_kind(
        &n.emails,
        &permitted.emails,
        &excluded.emails,
        counter,
        |(_, m), c, ex| email_matches(m, c, ex),
        |(raw, _)| fail(NameKind::Email, raw.clone()),
    )?;
    check_kind(
        &n.dns,
        &permitted.dns,
        &excluded.dns,
        counter,
        |d, c, _| dns_matches(d, c),
        |d| fail(NameKind::Dns, d.clone()),
    )?;
    check_kind(
        &n.dirs,
        &permitted.dirs,
        &excluded.dirs,
        counter,
        |(_, d), c, ex| dn_within(d, c, ex),
        |(text, _)| fail(NameKind::Directory, text.clone()),
    )?;
    check_kind(
        &n.upns,
        &permitted.upns,
        &excluded.upns,
        counter,
        |(raw, d), c, ex| upn_matches(raw, d.as_deref(), c, ex),
        |(raw, _)| fail(NameKind::Upn, raw.clone()),
    )?;
    // otherName (tag 0): a UPN under constraints on other otherName types,
    // or another otherName under UPN constraints, is not matched.
    let other_name_constrained = |s: &Subtrees| s.other_types.contains(&0);
    let upn_constrained = !permitted.upns.is_empty() || !excluded.upns.is_empty();
    if !n.upns.is_empty() && (other_name_constrained(permitted) || other_name_constrained(excluded))
    {
        counter.tick()?;
        fail(NameKind::Unsupported(0), String::new());
    }
    for t in &n.other_types {
        if permitted.other_types.contains(t)
            || excluded.other_types.contains(t)
            || (*t == 0 && upn_constrained)
        {
            counter.tick()?;
            fail(NameKind::Unsupported(*t), String::new());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mb(s: &str) -> Mailbox {
        parse_mailbox(s)
    }

    #[test]
    fn rfc822_forms() {
        let m = |e: &str, c: &str| email_matches(&mb(e), &EmailConstraint::parse(c), false);
        assert!(m("bob@example.com", "example.com"));
        assert!(m("Bob@Example.COM", "example.com"));
        assert!(!m("bob@sub.example.com", "example.com"));
        assert!(m("bob@sub.example.com", ".example.com"));
        assert!(!m("bob@example.com", ".example.com"));
        assert!(!m("bob@badexample.com", ".example.com"));
        assert!(m("bob@example.com", "bob@example.com"));
        assert!(!m("alice@example.com", "bob@example.com"));
        assert!(!m("no-at-sign", "example.com"));
        assert!(m("\"a@b\"@example.com", "example.com"));
    }

    #[test]
    fn malformed_mailbox_matches_no_permitted_and_every_excluded() {
        let bad = mb("invalid@address@example.com");
        assert!(matches!(bad, Mailbox::Malformed(_)));
        assert!(!email_matches(
            &bad,
            &EmailConstraint::parse("example.com"),
            false
        ));
        assert!(email_matches(
            &bad,
            &EmailConstraint::parse("elsewhere.test"),
            true
        ));
        for s in [
            "@example.com",
            "a@",
            "a..b@example.com",
            "a b@example.com",
            "a@ex ample.com",
            "a@example..com",
        ] {
            assert!(matches!(mb(s), Mailbox::Malformed(_)), "{s}");
        }
    }

    #[test]
    fn upn_forms() {
        let dom = |d: &str| UpnConstraint::Domain(dns_norm(d));
        let m = |upn: &str, domain: Option<&str>, c: &UpnConstraint| {
            (
                upn_matches(upn, domain, c, false),
                upn_matches(upn, domain, c, true),
            )
        };
        let intel = dom("Intel.COM.");
        assert_eq!(m("a@intel.com", Some("intel.com"), &intel), (true, true));
        assert_eq!(
            m("a@eu.intel.com", Some("eu.intel.com"), &intel),
            (true, true)
        );
        assert_eq!(
            m("a@notintel.com", Some("notintel.com"), &intel),
            (false, false)
        );
        assert_eq!(
            m("a@intel.com.evil", Some("intel.com.evil"), &intel),
            (false, false)
        );
        let sub = dom(".intel.com");
        assert_eq!(m("a@intel.com", Some("intel.com"), &sub), (false, false));
        assert_eq!(
            m("a@eu.intel.com", Some("eu.intel.com"), &sub),
            (true, true)
        );
        let exact = UpnConstraint::Exact("First.Last@intel.com".into());
        assert_eq!(
            m("first.last@INTEL.com", Some("intel.com"), &exact),
            (true, true)
        );
        assert_eq!(
            m("other@intel.com", Some("intel.com"), &exact),
            (false, false)
        );
        // Malformed names and undecodable constraints fail closed.
        assert_eq!(m("first.last", None, &intel), (false, true));
        assert_eq!(
            m(
                "a@intel.com",
                Some("intel.com"),
                &UpnConstraint::Undecodable
            ),
            (false, true)
        );
    }

    #[test]
    fn upn_names_split_at_the_last_at() {
        use der::asn1::Utf8StringRef;
        let on = |s: &str| OtherName {
            type_id: MS_UPN,
            value: der::Any::from(Utf8StringRef::new(s).unwrap()),
        };
        assert_eq!(
            upn_name(&on("a@b@Intel.com")).1.as_deref(),
            Some("intel.com")
        );
        assert_eq!(upn_name(&on("@intel.com")).1, None);
        assert_eq!(upn_name(&on("a@.intel.com")).1, None);
        assert_eq!(upn_name(&on("a@intel..com")).1, None);
        assert_eq!(upn_name(&on("a@")).1, None);
        let ia5 = OtherName {
            type_id: MS_UPN,
            value: der::Any::from(der::asn1::Ia5StringRef::new("a@intel.com").unwrap()),
        };
        assert_eq!(upn_name(&ia5).1, None);
        assert_eq!(UpnConstraint::parse(&ia5), UpnConstraint::Undecodable);
    }

    #[test]
    fn dns_forms() {
        assert!(dns_matches("example.com", "example.com"));
        assert!(dns_matches("a.example.com", "example.com"));
        assert!(!dns_matches("badexample.com", "example.com"));
        assert!(!dns_matches("example.com", ".example.com"));
        assert!(dns_matches("a.example.com", ".example.com"));
    }

    #[test]
    fn rfc4518_preparation() {
        assert_eq!(prep("  Evil   Corp "), "evil corp");
        assert_eq!(prep("EVIL\tCORP"), "evil corp");
        assert_eq!(prep("Évil\u{00AD}Corp"), "évilcorp");
        assert_eq!(text_of(0x1e, &[0, b'E', 0, b'v']).as_deref(), Some("Ev"));
        assert_eq!(text_of(0x1c, &[0, 0, 0, b'E']).as_deref(), Some("E"));
    }
}
