//! SignedData (RFC 5652 §5): find each signer's certificate, check the
//! content digest and the signature.
//!
//! The structure is walked with [`crate::der`] so that the signed
//! attributes are verified in the order found in the message (the `[0]
//! IMPLICIT` tag replaced by the SET tag, never sorted: sorting breaks
//! signatures over unsorted attributes, which OpenSSL also verifies as
//! ordered); only their length octets are made minimal
//! ([`signed_attrs_der`]).

use std::sync::Arc;

use der::Decode;
use x509_cert::spki::AlgorithmIdentifierOwned;

use super::{CmsError, SigStatus, SignedOutcome, SignerReport};
use crate::der::{oid, tag, Reader, Tlv};
use crate::pki::key::{DigestAlg, PublicKey, SigAlg, SigLabel, VerifyError};
use crate::pki::{sid_matches, CertLookup, SignerId};
use crate::pki::{Cert, CertCache};

/// At most this many SignerInfos are verified; a SignedData with more is
/// at best `unsupported`.
pub const MAX_SIGNERS: usize = 64;
/// A SignedData with more certificates than this is rejected as malformed.
pub const MAX_CERTS: usize = 256;
/// At most this many certificates are tried for one signer.
const MAX_CANDIDATES: usize = 8;

// PKCS#9 attribute OIDs (contents octets).

/// One SignerInfo as found in the message.
struct RawSigner<'a> {
    sid: SignerId,
    digest_alg: AlgorithmIdentifierOwned,
    /// The `[0] IMPLICIT` signedAttrs element, as encoded.
    signed_attrs: Option<Tlv<'a>>,
    sig_alg: AlgorithmIdentifierOwned,
    signature: &'a [u8],
    /// The `[1] IMPLICIT` unsignedAttrs element.
    unsigned_attrs: Option<Tlv<'a>>,
}

/// The parts of SignedData we use.
struct Parsed<'a> {
    /// OIDs (contents octets) of SignedData.digestAlgorithms.
    digest_algs: Vec<&'a [u8]>,
    /// eContentType OID contents octets.
    econtent_type: &'a [u8],
    /// Encapsulated content (opaque signing), None when detached.
    econtent: Option<&'a [u8]>,
    cert_ders: Vec<&'a [u8]>,
    signers: Vec<RawSigner<'a>>,
    signer_count: usize,
}

fn alg_id(t: &Tlv<'_>, what: &str) -> Result<AlgorithmIdentifierOwned, CmsError> {
    AlgorithmIdentifierOwned::from_der(t.raw)
        .map_err(|e| CmsError::Malformed(format!("{what}: {e}")))
}

/// The OID of a digest AlgorithmIdentifier, whose parameters are absent or
/// NULL (RFC 5754 2; OpenSSL rejects anything else, e.g. an empty BOOLEAN).
/// The same holds for every signature algorithm but RSA-PSS (RFC 4055 5,
/// RFC 5758 3.2, RFC 8410 3).
fn digest_oid<'a>(t: &Tlv<'a>, what: &'static str) -> Result<&'a [u8], CmsError> {
    let mut r = t.reader();
    let oid = r.expect(tag::OID, what)?.value;
    if !r.is_empty() {
        let p = r.next_tlv()?;
        if p.tag != tag::NULL || !p.value.is_empty() || !r.is_empty() {
            return Err(CmsError::Malformed(format!(
                "{what}: parameters (tag 0x{:02x}) are neither absent nor NULL",
                p.tag
            )));
        }
    }
    Ok(oid)
}

/// Refuses anything left in `r` after the last field of `what`.
fn end_of(r: &Reader<'_>, what: &str) -> Result<(), CmsError> {
    match r.peek_tag() {
        None => Ok(()),
        Some(t) => Err(CmsError::Malformed(format!(
            "{what}: unexpected element (tag 0x{t:02x}) after its last field"
        ))),
    }
}

/// Whether `t` has the shape of a signed X.509 object (certificate or
/// CRL): SEQUENCE { SEQUENCE, SEQUENCE, BIT STRING }.
fn signed_object_shape(t: &Tlv<'_>) -> bool {
    if t.tag != tag::SEQUENCE {
        return false;
    }
    let mut r = t.reader();
    r.expect(tag::SEQUENCE, "tbs").is_ok()
        && r.expect(tag::SEQUENCE, "algorithm").is_ok()
        && r.expect(tag::BIT_STRING, "signature").is_ok()
        && r.is_empty()
}

fn parse(sd: &[u8]) -> Result<Parsed<'_>, CmsError> {
    let mut r = Reader::new(sd);
    let seq = r.expect(tag::SEQUENCE, "SignedData")?;
    let mut r = seq.reader();
    r.expect(tag::INTEGER, "SignedData version")?;
    let das = r.expect(tag::SET, "digestAlgorithms")?;
    let mut digest_algs = Vec::new();
    let mut dr = das.reader();
    while !dr.is_empty() {
        let a = dr.expect(tag::SEQUENCE, "digestAlgorithms: AlgorithmIdentifier")?;
        digest_algs.push(digest_oid(&a, "digestAlgorithms")?);
    }
    let eci = r.expect(tag::SEQUENCE, "EncapsulatedContentInfo")?;
    let mut er = eci.reader();
    let econtent_type = er.expect(tag::OID, "eContentType")?.value;
    let econtent = match er.optional(tag::CTX0_C)? {
        None => None,
        Some(ec) => {
            let mut ir = ec.reader();
            // eContent is an OCTET STRING (RFC 5652 5.2; a constructed one
            // is flattened by the BER normaliser). PKCS#7's `content ANY`
            // let other types stand there, but for id-data, the only
            // content S/MIME signs, it is an OCTET STRING too: another tag
            // (a flip of 04 to 06) is malformed, as OpenSSL and NSS say.
            let inner = ir.expect(tag::OCTET_STRING, "eContent")?;
            end_of(&ir, "eContent")?;
            Some(inner.value)
        }
    };
    end_of(&er, "EncapsulatedContentInfo")?;
    let mut cert_ders = Vec::new();
    if let Some(cs) = r.optional(tag::CTX0_C)? {
        let mut cr = cs.reader();
        let mut n = 0;
        while !cr.is_empty() {
            let c = cr.next_tlv()?;
            n += 1;
            match c.tag {
                // Plain certificates; their content is decoded later.
                tag::SEQUENCE if signed_object_shape(&c) => {
                    if cert_ders.len() == MAX_CERTS {
                        return Err(CmsError::Malformed(format!(
                            "more than {MAX_CERTS} certificates in SignedData (limit)"
                        )));
                    }
                    cert_ders.push(c.raw);
                }
                // extendedCertificate, v1/v2 attribute certificates and
                // other formats (RFC 5652 10.2.2) are allowed and skipped.
                0xA0..=0xA3 => {}
                t => {
                    return Err(CmsError::Malformed(format!(
                        "certificates: element {n} is not a certificate (tag 0x{t:02x}{})",
                        if t == tag::SEQUENCE {
                            ", not SEQUENCE { tbs, algorithm, signature }"
                        } else {
                            ""
                        }
                    )))
                }
            }
        }
    }
    if let Some(crls) = r.optional(tag::CTX1_C)? {
        let mut cr = crls.reader();
        let mut n = 0;
        while !cr.is_empty() {
            let c = cr.next_tlv()?;
            n += 1;
            // CertificateList, or [1] OtherRevocationInfoFormat.
            if !(signed_object_shape(&c) || c.tag == tag::CTX1_C) {
                return Err(CmsError::Malformed(format!(
                    "crls: element {n} is not a CRL (tag 0x{:02x})",
                    c.tag
                )));
            }
        }
    }
    let sis = r.expect(tag::SET, "signerInfos")?;
    end_of(&r, "SignedData")?;
    let mut sr = sis.reader();
    let mut signers = Vec::new();
    let mut signer_count = 0;
    while !sr.is_empty() {
        let si = sr.expect(tag::SEQUENCE, "SignerInfo")?;
        signer_count += 1;
        if signers.len() < MAX_SIGNERS {
            signers.push(parse_signer(&si)?);
        }
    }
    Ok(Parsed {
        digest_algs,
        econtent_type,
        econtent,
        cert_ders,
        signers,
        signer_count,
    })
}

fn parse_signer<'a>(si: &Tlv<'a>) -> Result<RawSigner<'a>, CmsError> {
    let mut r = si.reader();
    r.expect(tag::INTEGER, "SignerInfo version")?;
    let sid_tlv = r.next_tlv()?;
    let sid = match sid_tlv.tag {
        tag::SEQUENCE => {
            let mut ir = sid_tlv.reader();
            let issuer = ir.expect(tag::SEQUENCE, "issuer")?;
            let serial = ir.expect(tag::INTEGER, "serialNumber")?;
            end_of(&ir, "IssuerAndSerialNumber")?;
            // Canonical DER of the name (as `Cert::issuer_der` is made).
            let issuer_der = x509_cert::name::Name::from_der(issuer.raw)
                .ok()
                .and_then(|n| der::Encode::to_der(&n).ok())
                .unwrap_or_else(|| issuer.raw.to_vec());
            SignerId::IssuerSerial {
                issuer_der,
                serial: serial.value.to_vec(),
            }
        }
        tag::CTX0_P => SignerId::SubjectKeyId(sid_tlv.value.to_vec()),
        tag::CTX0_C => {
            // BER-chunked [0] IMPLICIT OCTET STRING, normalised to
            // constructed [0] holding one OCTET STRING.
            let mut v = Vec::new();
            let mut ir = sid_tlv.reader();
            while !ir.is_empty() {
                v.extend_from_slice(ir.expect(tag::OCTET_STRING, "subjectKeyIdentifier")?.value);
            }
            SignerId::SubjectKeyId(v)
        }
        t => {
            return Err(CmsError::Malformed(format!(
                "SignerIdentifier: unexpected tag 0x{t:02x}"
            )))
        }
    };
    let digest_tlv = r.expect(tag::SEQUENCE, "digestAlgorithm")?;
    digest_oid(&digest_tlv, "digestAlgorithm")?;
    let digest_alg = alg_id(&digest_tlv, "digestAlgorithm")?;
    let signed_attrs = r.optional(tag::CTX0_C)?;
    let sig_tlv = r.expect(tag::SEQUENCE, "signatureAlgorithm")?;
    // Parameters other than RSA-PSS's are checked here, not left to the
    // label's reader: an empty BOOLEAN where NULL stood was `valid`.
    if sig_tlv
        .reader()
        .expect(tag::OID, "signatureAlgorithm")?
        .value
        != oid::RSASSA_PSS
    {
        digest_oid(&sig_tlv, "signatureAlgorithm")?;
    }
    let sig_alg = alg_id(&sig_tlv, "signatureAlgorithm")?;
    let signature = r.expect(tag::OCTET_STRING, "signature")?.value;
    let unsigned_attrs = r.optional(tag::CTX1_C)?;
    end_of(&r, "SignerInfo")?;
    Ok(RawSigner {
        sid,
        digest_alg,
        signed_attrs,
        sig_alg,
        signature,
        unsigned_attrs,
    })
}

/// The attributes we check, from the signed attributes.
struct Attrs<'a> {
    /// The contentType value (exactly one, checked).
    content_type: &'a [u8],
    /// The messageDigest value (exactly one, checked).
    message_digest: &'a [u8],
    signing_time: Option<i64>,
}

/// The attribute's values, each checked to be exactly one.
fn single_value<'a>(values: &Tlv<'a>, name: &str) -> Result<Tlv<'a>, CmsError> {
    let mut vr = values.reader();
    let first = vr.next_tlv().map_err(|_| {
        CmsError::Malformed(format!(
            "{name} attribute without a value (exactly one required)"
        ))
    })?;
    if !vr.is_empty() {
        return Err(CmsError::Malformed(format!(
            "{name} attribute with several values (exactly one allowed)"
        )));
    }
    Ok(first)
}

/// Reads signed attributes per RFC 5652 5.3 and 11: exactly one
/// contentType and one messageDigest, at most one signingTime, each with
/// exactly one value of the right type. `Err` names the rule broken.
fn parse_attrs<'a>(attrs: &Tlv<'a>) -> Result<Attrs<'a>, CmsError> {
    let mut content_type = Vec::new();
    let mut message_digest = Vec::new();
    let mut signing_time = Vec::new();
    let mut r = attrs.reader();
    while !r.is_empty() {
        let a = r.expect(tag::SEQUENCE, "Attribute")?;
        let mut ar = a.reader();
        let oid = ar.expect(tag::OID, "attribute type")?.value;
        let values = ar.expect(tag::SET, "attribute values")?;
        end_of(&ar, "Attribute")?;
        if oid == oid::CONTENT_TYPE {
            let v = single_value(&values, "contentType")?;
            if v.tag != tag::OID {
                return Err(CmsError::Malformed(
                    "contentType attribute is not an OID".into(),
                ));
            }
            content_type.push(v.value);
        } else if oid == oid::MESSAGE_DIGEST {
            let v = single_value(&values, "messageDigest")?;
            if v.tag != tag::OCTET_STRING {
                return Err(CmsError::Malformed(
                    "messageDigest attribute is not an OCTET STRING".into(),
                ));
            }
            message_digest.push(v.value);
        } else if oid == oid::SIGNING_TIME {
            let v = single_value(&values, "signingTime")?;
            signing_time.push(parse_time(&v).map_err(|e| {
                CmsError::Malformed(format!("signingTime attribute malformed: {e}"))
            })?);
        }
    }
    let one = |n: usize, name: &str| -> Result<(), CmsError> {
        match n {
            1 => Ok(()),
            0 => Err(CmsError::Malformed(format!("{name} attribute missing"))),
            n => Err(CmsError::Malformed(format!(
                "{n} {name} attributes (exactly one allowed)"
            ))),
        }
    };
    one(content_type.len(), "contentType")?;
    one(message_digest.len(), "messageDigest")?;
    if signing_time.len() > 1 {
        return Err(CmsError::Malformed(format!(
            "{} signingTime attributes (at most one allowed)",
            signing_time.len()
        )));
    }
    Ok(Attrs {
        content_type: content_type[0],
        message_digest: message_digest[0],
        signing_time: signing_time.first().copied(),
    })
}

/// Unsigned attributes must not carry what only a signed attribute may
/// (RFC 5652 11.1–11.3; OpenSSL 3 refuses them too).
fn check_unsigned_attrs(attrs: &Tlv<'_>) -> Result<(), CmsError> {
    let mut r = attrs.reader();
    while !r.is_empty() {
        let a = r.expect(tag::SEQUENCE, "Attribute")?;
        let mut ar = a.reader();
        let oid = ar.expect(tag::OID, "attribute type")?.value;
        ar.expect(tag::SET, "attribute values")?;
        end_of(&ar, "Attribute")?;
        let name = match oid {
            oid::CONTENT_TYPE => "contentType",
            oid::MESSAGE_DIGEST => "messageDigest",
            oid::SIGNING_TIME => "signingTime",
            _ => continue,
        };
        return Err(CmsError::Malformed(format!(
            "{name} among the unsigned attributes (allowed only as a signed attribute)"
        )));
    }
    Ok(())
}

/// A UTCTime (RFC 5280 4.1.2.5.1: `YYMMDDHHMMSSZ`, YY ≥ 50 is 19YY) or a
/// GeneralizedTime (`YYYYMMDDHHMMSSZ`) as Unix seconds.
fn parse_time(v: &Tlv<'_>) -> Result<i64, CmsError> {
    let (year, rest) = match (v.tag, v.value.len()) {
        (tag::UTC_TIME, 13) => {
            let yy = digits(&v.value[..2])?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &v.value[2..])
        }
        (tag::GENERALIZED_TIME, 15) => (digits(&v.value[..4])?, &v.value[4..]),
        (tag::UTC_TIME, _) => {
            return Err(CmsError::Malformed("UTCTime is not YYMMDDHHMMSSZ".into()))
        }
        (tag::GENERALIZED_TIME, _) => {
            return Err(CmsError::Malformed(
                "GeneralizedTime is not YYYYMMDDHHMMSSZ".into(),
            ))
        }
        (t, _) => {
            return Err(CmsError::Malformed(format!(
                "not a UTCTime or GeneralizedTime (tag 0x{t:02x})"
            )))
        }
    };
    if rest[10] != b'Z' {
        return Err(CmsError::Malformed("time not in UTC (Z)".into()));
    }
    let f = |i: usize| digits(&rest[i..i + 2]);
    let (mo, d, h, mi, se) = (f(0)?, f(2)?, f(4)?, f(6)?, f(8)?);
    let month = time::Month::try_from(mo as u8)
        .map_err(|_| CmsError::Malformed("month out of range".into()))?;
    let date = time::Date::from_calendar_date(year as i32, month, d as u8)
        .map_err(|_| CmsError::Malformed("day out of range".into()))?;
    let t = time::Time::from_hms(h as u8, mi as u8, se as u8)
        .map_err(|_| CmsError::Malformed("time of day out of range".into()))?;
    Ok(time::PrimitiveDateTime::new(date, t)
        .assume_utc()
        .unix_timestamp())
}

fn digits(b: &[u8]) -> Result<i64, CmsError> {
    b.iter().try_fold(0i64, |a, &c| {
        if c.is_ascii_digit() {
            Ok(a * 10 + (c - b'0') as i64)
        } else {
            Err(CmsError::Malformed("non-digit in time".into()))
        }
    })
}

/// Content digests computed so far, per (algorithm, candidate).
struct Hashes<'a> {
    candidates: Vec<&'a [u8]>,
    /// Whether the candidates are the caller's (not the eContent).
    supplied: bool,
    done: Vec<(DigestAlg, usize, Vec<u8>)>,
}

impl<'a> Hashes<'a> {
    fn get(&mut self, alg: DigestAlg, i: usize) -> &[u8] {
        let pos = match self.done.iter().position(|(a, j, _)| *a == alg && *j == i) {
            Some(p) => p,
            None => {
                let d = alg.digest(self.candidates[i]);
                self.done.push((alg, i, d));
                self.done.len() - 1
            }
        };
        &self.done[pos].2
    }
}

/// The verdict on one signer.
struct Checked {
    report: SignerReport,
    error: Option<String>,
}

/// Checks a SignedData (the contents of the ContentInfo's `[0]`).
pub(crate) fn check(
    sd: &[u8],
    content: &[&[u8]],
    certs: &CertCache,
    extra: &dyn CertLookup,
) -> Result<SignedOutcome, CmsError> {
    let p = parse(sd)?;
    let mut msg_certs: Vec<Arc<Cert>> = Vec::with_capacity(p.cert_ders.len());
    // A certificate that does not decode makes the SignedData malformed,
    // as OpenSSL fails on it: skipping it would let a verdict rest on the
    // other copy of a certificate carried twice (difftest `certs(dup-leaf)`
    // with a flip), while a careful verifier rejects the structure.
    for (i, d) in p.cert_ders.iter().enumerate() {
        match certs.get(d) {
            Ok(c) => msg_certs.push(c),
            Err(e) => {
                return Err(CmsError::Malformed(format!(
                    "certificates: certificate {} does not decode ({e})",
                    i + 1
                )))
            }
        }
    }
    if p.signer_count == 0 {
        return Ok(SignedOutcome {
            signers: 0,
            status: SigStatus::Valid,
            error: None,
            signer: None,
            all: Vec::new(),
            shown: 0,
            certs: msg_certs,
            all_digest_algs: Vec::new(),
        });
    }
    let mut hashes = Hashes {
        // Content supplied by the caller (the part a multipart/signed
        // shows) is what must be signed, even when the blob also carries an
        // eContent of its own; the eContent is used only when no content is
        // supplied (application/pkcs7-mime).
        candidates: match p.econtent {
            Some(c) if content.is_empty() => vec![c],
            _ => content.to_vec(),
        },
        supplied: !content.is_empty(),
        done: Vec::new(),
    };
    let mut all_digest_algs: Vec<String> = Vec::new();
    let mut checked: Vec<Checked> = Vec::with_capacity(p.signers.len());
    for s in &p.signers {
        let c = check_signer(s, &p, &msg_certs, extra, &mut hashes);
        for d in [
            c.report.digest_alg.clone(),
            DigestAlg::from_x509(&s.digest_alg).map(|d| d.name().to_owned()),
        ]
        .into_iter()
        .flatten()
        {
            if !all_digest_algs.contains(&d) {
                all_digest_algs.push(d);
            }
        }
        checked.push(c);
    }
    // Overall: valid only if all are; otherwise the first invalid signer,
    // else the first unsupported one, says why.
    let worst = checked
        .iter()
        .position(|c| c.report.status == SigStatus::Invalid)
        .or_else(|| {
            checked
                .iter()
                .position(|c| c.report.status != SigStatus::Valid)
        });
    let (mut status, mut error) = match worst {
        None => (SigStatus::Valid, None),
        Some(i) => {
            let e = checked[i].error.clone().unwrap_or_default();
            let e = if p.signer_count > 1 {
                format!("signer {}: {e}", i + 1)
            } else {
                e
            };
            (checked[i].report.status, Some(e))
        }
    };
    if p.signer_count > p.signers.len() && status == SigStatus::Valid {
        status = SigStatus::Unsupported;
        error = Some(format!(
            "only the first {} of {} signers checked",
            p.signers.len(),
            p.signer_count
        ));
    }
    let shown = checked
        .iter()
        .position(|c| c.report.status == SigStatus::Valid)
        .unwrap_or(0);
    let all: Vec<SignerReport> = checked.into_iter().map(|c| c.report).collect();
    Ok(SignedOutcome {
        signers: p.signer_count,
        status,
        error,
        signer: all.get(shown).cloned(),
        all,
        shown,
        certs: msg_certs,
        all_digest_algs,
    })
}

fn digest_name(alg: &AlgorithmIdentifierOwned) -> String {
    match DigestAlg::from_x509(alg) {
        Some(d) => d.name().to_owned(),
        None => match alg.oid.to_string().as_str() {
            "1.2.840.113549.2.2" => "md2".to_owned(),
            "2.16.840.1.101.3.4.2.7" => "sha3-224".to_owned(),
            o => o.to_owned(),
        },
    }
}

fn check_signer(
    s: &RawSigner<'_>,
    p: &Parsed<'_>,
    msg_certs: &[Arc<Cert>],
    extra: &dyn CertLookup,
    hashes: &mut Hashes<'_>,
) -> Checked {
    let digest = DigestAlg::from_x509(&s.digest_alg);
    let label = SigLabel::parse(&s.sig_alg);
    // The weakest hash involved: digestAlgorithm, or the hash the
    // signature algorithm names when that one is weaker.
    let digest_alg = match (digest, label.hash()) {
        (Some(d), Some(l)) => d.weaker(l).name().to_owned(),
        (None, Some(l)) if l.is_weak() => l.name().to_owned(),
        _ => digest_name(&s.digest_alg),
    };
    let mut report = SignerReport {
        sid: s.sid.clone(),
        cert: None,
        status: SigStatus::Unsupported,
        digest_alg: Some(digest_alg),
        signature_alg: Some(label.family_name()),
        key_bits: None,
        signing_time: None,
    };
    let mut candidates: Vec<Arc<Cert>> = msg_certs
        .iter()
        .filter(|c| sid_matches(&s.sid, c))
        .take(MAX_CANDIDATES)
        .cloned()
        .collect();
    let fail = |mut report: SignerReport, status: SigStatus, e: String| {
        report.status = status;
        Checked {
            report,
            error: Some(e),
        }
    };

    // The signer's certificate (chosen before the checks so that the
    // report names it whatever the outcome).
    if let Some(c) = extra.find_signer(&s.sid) {
        if candidates.len() < MAX_CANDIDATES && !candidates.iter().any(|x| x.sha256 == c.sha256) {
            candidates.push(c);
        }
    }
    report.cert = candidates.first().cloned();
    if let Some(e) = ambiguous_signer(&s.sid, msg_certs) {
        return fail(report, SigStatus::Invalid, e);
    }
    if let Some(c) = &report.cert {
        if let Ok(k) = c.public_key() {
            if k.bits() > 0 {
                report.key_bits = Some(k.bits());
            }
            if let Ok(a) = label.resolve(digest, k) {
                report.signature_alg = Some(k.signature_alg_name(&a).to_owned());
            }
        }
    }

    // Signed attributes: messageDigest, contentType, signingTime (RFC 5652
    // 5.3, 11); a signingTime is read only from them.
    let attrs = match &s.signed_attrs {
        None => None,
        Some(t) => match parse_attrs(t) {
            Ok(a) => Some(a),
            Err(e) => {
                return fail(
                    report,
                    SigStatus::Invalid,
                    format!("signed attributes: {e}"),
                )
            }
        },
    };
    if let Some(a) = &attrs {
        report.signing_time = a.signing_time;
    }
    if let Some(u) = &s.unsigned_attrs {
        if let Err(e) = check_unsigned_attrs(u) {
            return fail(
                report,
                SigStatus::Invalid,
                format!("unsigned attributes: {e}"),
            );
        }
    }
    // SignedData.digestAlgorithms lists the signer's digest (OpenSSL
    // computes only the digests listed there: "no matching digest").
    if !p.digest_algs.contains(&s.digest_alg.oid.as_bytes()) {
        return fail(
            report,
            SigStatus::Invalid,
            format!(
                "the signer's digestAlgorithm {} is not in SignedData.digestAlgorithms",
                digest_name(&s.digest_alg)
            ),
        );
    }
    // Every digest the set lists must be one this verifier knows: OpenSSL
    // sets up each listed digest and stops at an unknown one ("unknown
    // digest algorithm"), so a set holding one is `unsupported`, never
    // `valid` (a signature OID standing for its hash counts as known, as
    // OpenSSL's digest lookup reads it).
    let known = |o: &&[u8]| {
        const_oid::ObjectIdentifier::from_bytes(o).is_ok_and(|oid| {
            DigestAlg::from_x509(&AlgorithmIdentifierOwned {
                oid,
                parameters: None,
            })
            .is_some()
        })
    };
    if let Some(o) = p.digest_algs.iter().find(|o| !known(o)) {
        let name = const_oid::ObjectIdentifier::from_bytes(o)
            .map_or_else(|_| "(undecodable)".to_owned(), |oid| oid.to_string());
        return fail(
            report,
            SigStatus::Unsupported,
            format!("SignedData.digestAlgorithms lists an unknown digest algorithm {name}"),
        );
    }
    // Ed25519 without signed attributes signs the content itself and needs
    // no digest algorithm; everything else does.
    if digest.is_none() && !(label.is_ed25519() && attrs.is_none()) {
        return fail(
            report,
            SigStatus::Unsupported,
            format!(
                "digest algorithm {} unsupported",
                digest_name(&s.digest_alg)
            ),
        );
    }

    // Which content candidate is signed, and what bytes the signature
    // covers.
    let signed_msg: Option<Vec<u8>> = match (&s.signed_attrs, &attrs, digest) {
        (Some(t), Some(a), Some(digest)) => {
            if a.content_type != p.econtent_type {
                return fail(
                    report,
                    SigStatus::Invalid,
                    "contentType attribute does not match eContentType".into(),
                );
            }
            if hashes.candidates.is_empty() {
                return fail(
                    report,
                    SigStatus::Unsupported,
                    "detached signature without content to check".into(),
                );
            }
            let md = a.message_digest;
            let matched = (0..hashes.candidates.len()).find(|&i| hashes.get(digest, i) == md);
            if matched.is_none() {
                let own = p.econtent.filter(|_| hashes.supplied);
                let e = match own {
                    Some(ec) if digest.digest(ec) == md => {
                        "content digest mismatch (the signature covers its own encapsulated content, not this part)"
                    }
                    _ => "content digest mismatch",
                };
                return fail(report, SigStatus::Invalid, e.into());
            }
            Some(signed_attrs_der(t))
        }
        _ => {
            if hashes.candidates.is_empty() {
                return fail(
                    report,
                    SigStatus::Unsupported,
                    "detached signature without content to check".into(),
                );
            }
            None
        }
    };

    if candidates.is_empty() {
        return fail(
            report,
            SigStatus::Unsupported,
            "signer certificate not found".into(),
        );
    }

    // Try each candidate certificate; the first that verifies is the
    // signer's, else the first one's error stands.
    let mut first_err: Option<VerifyError> = None;
    for cert in &candidates {
        let key = match cert.public_key() {
            Ok(k) => k,
            Err(e) => {
                first_err.get_or_insert(VerifyError::Unsupported(format!("signer key: {e}")));
                continue;
            }
        };
        let owned_key;
        let key: &PublicKey = if key.dsa_params_missing() {
            match inherit_dsa_params(cert, key, msg_certs, extra) {
                Some(k) => {
                    owned_key = k;
                    &owned_key
                }
                None => {
                    first_err.get_or_insert(VerifyError::Unsupported(
                        "DSA key parameters inherited from an issuer that is not available".into(),
                    ));
                    continue;
                }
            }
        } else {
            key
        };
        let sig_alg = match label.resolve(digest, key) {
            Ok(a) => a,
            Err(e) => {
                first_err.get_or_insert(e);
                continue;
            }
        };
        let res = match &signed_msg {
            Some(m) => key.verify(&sig_alg, m, s.signature),
            None => {
                let mut r = Err(VerifyError::Invalid("signature does not verify".into()));
                for i in 0..hashes.candidates.len() {
                    r = key.verify(&sig_alg, hashes.candidates[i], s.signature);
                    if !matches!(r, Err(VerifyError::Invalid(_))) {
                        break;
                    }
                }
                r
            }
        };
        match res {
            Ok(()) => {
                report.status = SigStatus::Valid;
                report.cert = Some(cert.clone());
                report.key_bits = Some(key.bits());
                report.signature_alg = Some(key.signature_alg_name(&sig_alg).to_owned());
                return Checked {
                    report,
                    error: None,
                };
            }
            Err(e) => {
                if first_err.is_none() && key.bits() > 0 {
                    report.key_bits = Some(key.bits());
                }
                first_err.get_or_insert(e);
            }
        }
    }
    match first_err {
        Some(VerifyError::Invalid(e)) => fail(report, SigStatus::Invalid, e),
        Some(VerifyError::Unsupported(e)) => fail(report, SigStatus::Unsupported, e),
        None => fail(
            report,
            SigStatus::Unsupported,
            "signer certificate not found".into(),
        ),
    }
}

/// What the signature over signed attributes covers (RFC 5652 5.4): the
/// SignedAttributes with the SET tag, in their DER lengths. The SET, each
/// Attribute SEQUENCE, its type and its SET OF values get minimal length
/// octets (a signer signs DER; `openssl cms` and NSS re-encode these headers
/// too before verifying), while the attributes keep their order as found
/// (OpenSSL and NSS do not sort them either) and each attribute value is kept
/// exactly as encoded (NSS keeps values as received, so a value with
/// non-minimal lengths does not verify there, nor here). `attrs` was read by
/// [`parse_attrs`] already.
fn signed_attrs_der(attrs: &Tlv<'_>) -> Vec<u8> {
    fn push_tlv(out: &mut Vec<u8>, t: u8, value: &[u8]) {
        out.push(t);
        crate::der::ber::push_len(out, value.len());
        out.extend_from_slice(value);
    }
    let as_encoded = || {
        let mut m = attrs.raw.to_vec();
        m[0] = tag::SET;
        m
    };
    let mut body = Vec::with_capacity(attrs.value.len());
    let mut r = attrs.reader();
    while !r.is_empty() {
        let Ok(a) = r.expect(tag::SEQUENCE, "Attribute") else {
            return as_encoded();
        };
        let mut ar = a.reader();
        let (Ok(oid), Ok(values)) = (
            ar.expect(tag::OID, "attribute type"),
            ar.expect(tag::SET, "attribute values"),
        ) else {
            return as_encoded();
        };
        let mut vals = Vec::with_capacity(values.value.len());
        let mut vr = values.reader();
        while !vr.is_empty() {
            match vr.next_tlv() {
                Ok(v) => vals.extend_from_slice(v.raw),
                Err(_) => return as_encoded(),
            }
        }
        let mut attr = Vec::with_capacity(oid.raw.len() + vals.len() + 4);
        push_tlv(&mut attr, tag::OID, oid.value);
        push_tlv(&mut attr, tag::SET, &vals);
        push_tlv(&mut body, tag::SEQUENCE, &attr);
    }
    let mut m = Vec::with_capacity(body.len() + 4);
    push_tlv(&mut m, tag::SET, &body);
    m
}

/// Two different certificates in the message that both answer the signer's
/// identifier make the signer ambiguous: verifiers that take the first match
/// (OpenSSL) and ones that take the match that verifies (this scanner before,
/// or a certificate database that keeps either copy) would judge different
/// certificates, so a forger could put a decoy first or second. An issuer
/// and serial number names one certificate (RFC 5280 4.1.2.2: serials are
/// unique per issuer), so two different ones with the same pair are a
/// forgery; a subjectKeyIdentifier may be shared by renewed certificates,
/// so there only certificates with different public keys are ambiguous.
fn ambiguous_signer(sid: &SignerId, msg_certs: &[Arc<Cert>]) -> Option<String> {
    let matches: Vec<&Arc<Cert>> = msg_certs.iter().filter(|c| sid_matches(sid, c)).collect();
    let first = matches.first()?;
    let differs = |c: &&Arc<Cert>| match sid {
        SignerId::IssuerSerial { .. } => c.cert != first.cert,
        SignerId::SubjectKeyId(_) => {
            c.cert.tbs_certificate.subject_public_key_info
                != first.cert.tbs_certificate.subject_public_key_info
        }
    };
    let n = matches.iter().filter(|c| differs(c)).count();
    if n == 0 {
        return None;
    }
    Some(match sid {
        SignerId::IssuerSerial { .. } => format!(
            "{} different certificates in the message have the signer's issuer and serial number (the signer's certificate is ambiguous)",
            n + 1
        ),
        SignerId::SubjectKeyId(_) => format!(
            "{} certificates with different keys in the message have the signer's subjectKeyIdentifier (the signer's certificate is ambiguous)",
            n + 1
        ),
    })
}

/// The TBSCertificate bytes, signature algorithm and signature of a DER
/// certificate.
fn cert_parts(der: &[u8]) -> Option<(&[u8], AlgorithmIdentifierOwned, &[u8])> {
    let mut r = Reader::new(der);
    let c = r.expect(tag::SEQUENCE, "Certificate").ok()?;
    let mut r = c.reader();
    let tbs = r.expect(tag::SEQUENCE, "tbs").ok()?;
    let alg = alg_id(&r.expect(tag::SEQUENCE, "alg").ok()?, "alg").ok()?;
    let sig = r.expect(tag::BIT_STRING, "sig").ok()?.value;
    let (&unused, sig) = sig.split_first()?;
    if unused != 0 {
        return None;
    }
    Some((tbs.raw, alg, sig))
}

/// RFC 3279 §2.3.2: a DSA key without parameters takes its issuer's. The
/// issuer is looked for among the message's certificates, then through
/// [`CertLookup::find_issuers`], and accepted only if its key verifies
/// `cert`'s signature (so a planted certificate cannot supply parameters of
/// its choice).
fn inherit_dsa_params(
    cert: &Cert,
    key: &PublicKey,
    msg_certs: &[Arc<Cert>],
    extra: &dyn CertLookup,
) -> Option<PublicKey> {
    let (tbs, alg, sig) = cert_parts(&cert.der)?;
    let alg = SigAlg::from_x509(&alg).ok()?;
    let from_msg = msg_certs
        .iter()
        .filter(|i| i.subject_der == cert.issuer_der)
        .cloned();
    let issuers: Vec<Arc<Cert>> = from_msg
        .chain(extra.find_issuers(cert))
        .filter(|i| i.subject_der == cert.issuer_der)
        .take(MAX_CANDIDATES)
        .collect();
    for issuer in &issuers {
        let Ok(ik) = issuer.public_key() else {
            continue;
        };
        if ik.dsa_params_missing() {
            continue;
        }
        if ik.verify(&alg, tbs, sig).is_ok() {
            if let Some(k) = key.with_dsa_params_from(ik) {
                return Some(k);
            }
        }
    }
    None
}
