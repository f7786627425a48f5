//! Signature verification and chain judgement.
//!
//! - `cms_inspect/*`: `smimescan::cms::inspect` on each `corpora/sigs` blob
//!   with its detached content (`hello.txt`; none for opaque), certificate
//!   cache warm: BER normalisation, CMS decoding, digest, signer
//!   verification.
//! - `raw_verify/*`: `PublicKey::verify` alone, key parsed once (the signer
//!   certificate's key from `corpora/sigs/pki`), over the DER SignedAttributes
//!   and signature taken from the same blobs — the aws-lc-rs fast path (DSA
//!   goes through RustCrypto).
//! - `chain/*`: `Verifier::judge` of `corpora/chains` leaf_good with inter
//!   carried in the message and root as the anchor: warm (link cache filled
//!   by a first call) and cold (a new Verifier each time, so both link
//!   signatures are verified).
//!
//! `cargo bench --bench verify -- --warm-up-time 1 --measurement-time 2`

mod common;

use std::hint::black_box;
use std::sync::Arc;

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use der::{Decode, Encode};
use smimescan::cms::SigStatus;
use smimescan::pki::chain::{ChainStatus, Verifier};
use smimescan::pki::crl::Crls;
use smimescan::pki::key::{DigestAlg, SigAlg};
use smimescan::pki::store::{load_certs, CertStore};
use smimescan::pki::trust::TrustStore;
use smimescan::pki::{Cert, CertCache};

/// (blob in corpora/sigs/blobs, detached content or "" for opaque).
const BLOBS: &[(&str, &str)] = &[
    ("rsa2048-sha256.p7s", "hello.txt"),
    ("rsa2048-pss-sha256.p7s", "hello.txt"),
    ("rsa1024-sha256.p7s", "hello.txt"),
    ("ecdsa-p256-sha256.p7s", "hello.txt"),
    ("ecdsa-p384-sha384.p7s", "hello.txt"),
    ("ecdsa-p521-sha512.p7s", "hello.txt"),
    ("ed25519.p7s", "hello.txt"),
    ("dsa2048-sha256.p7s", "hello.txt"),
    ("rsa2048-opaque.p7m", ""),
    ("rsa2048-detached-stream.p7s", "hello.txt"),
    ("two-signers.p7s", "hello.txt"),
];

fn cms_inspect(c: &mut Criterion) {
    let certs = CertCache::default();
    let extra = CertStore::new();
    let mut g = c.benchmark_group("cms_inspect");
    g.throughput(Throughput::Elements(1));
    for (blob, content) in BLOBS {
        let der = common::read(&format!("corpora/sigs/blobs/{blob}"));
        let content = if content.is_empty() {
            Vec::new()
        } else {
            common::read(&format!("corpora/sigs/content/{content}"))
        };
        let candidates: Vec<&[u8]> = if content.is_empty() {
            vec![]
        } else {
            vec![&content]
        };
        let out = smimescan::cms::inspect(&der, &candidates, &certs, &extra);
        let status = out.signed.as_ref().map(|s| s.status);
        assert_eq!(status, Some(SigStatus::Valid), "{blob}: {:?}", out.error);
        let name = blob.trim_end_matches(".p7s").trim_end_matches(".p7m");
        g.bench_function(name, |b| {
            b.iter(|| smimescan::cms::inspect(black_box(&der), &candidates, &certs, &extra))
        });
    }
    g.finish();
}

/// (key, alg, signed bytes, signature) of the first signer of a DER blob.
fn signer_parts(blob: &str, pem: &str) -> (Arc<Cert>, SigAlg, Vec<u8>, Vec<u8>) {
    let der = common::read(&format!("corpora/sigs/blobs/{blob}"));
    let ci = ContentInfo::from_der(&der).expect("ContentInfo");
    let sd: SignedData = ci.content.decode_as().expect("SignedData");
    let si = sd.signer_infos.0.iter().next().expect("a signer");
    let attrs = si
        .signed_attrs
        .as_ref()
        .expect("signed attributes")
        .to_der()
        .unwrap();
    let digest = DigestAlg::from_x509(&si.digest_alg).expect("digest");
    let alg = SigAlg::from_cms(&si.signature_algorithm, digest).expect("alg");
    let (certs, _) = load_certs(&[common::repo(&format!("corpora/sigs/pki/{pem}"))]).unwrap();
    (
        certs[0].clone(),
        alg,
        attrs,
        si.signature.as_bytes().to_vec(),
    )
}

fn raw_verify(c: &mut Criterion) {
    let cases = [
        ("rsa2048_pkcs1_sha256", "rsa2048-sha256.p7s", "rsa2048.pem"),
        (
            "rsa2048_pss_sha256",
            "rsa2048-pss-sha256.p7s",
            "rsa2048.pem",
        ),
        ("rsa1024_pkcs1_sha256", "rsa1024-sha256.p7s", "rsa1024.pem"),
        ("ecdsa_p256_sha256", "ecdsa-p256-sha256.p7s", "ecp256.pem"),
        ("ecdsa_p384_sha384", "ecdsa-p384-sha384.p7s", "ecp384.pem"),
        ("ecdsa_p521_sha512", "ecdsa-p521-sha512.p7s", "ecp521.pem"),
        ("ed25519", "ed25519.p7s", "ed25519.pem"),
        ("dsa2048_sha256", "dsa2048-sha256.p7s", "dsa2048.pem"),
    ];
    let mut g = c.benchmark_group("raw_verify");
    g.throughput(Throughput::Elements(1));
    for (name, blob, pem) in cases {
        let (cert, alg, msg, sig) = signer_parts(blob, pem);
        let key = cert.public_key().expect("signer key");
        key.verify(&alg, &msg, &sig)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        g.bench_function(name, |b| {
            b.iter(|| key.verify(&alg, black_box(&msg), black_box(&sig)))
        });
    }
    g.finish();
}

fn chain(c: &mut Criterion) {
    let load = |n: &str| {
        let (certs, _) = load_certs(&[common::repo(&format!("corpora/chains/certs/{n}.pem"))])
            .unwrap_or_else(|e| panic!("{n}: {e}"));
        certs[0].clone()
    };
    let (leaf, inter, root) = (load("leaf_good"), load("inter"), load("root"));
    let at = [&leaf, &inter, &root]
        .iter()
        .map(|c| c.not_before)
        .max()
        .unwrap()
        + 86_400;
    let message_certs = vec![inter.clone()];
    let verifier = || {
        Verifier::new(
            TrustStore::from_certs(vec![root.clone()]),
            CertStore::new(),
            Crls::empty(),
        )
    };
    let warm = verifier();
    let out = warm.judge(&leaf, &message_certs, at);
    assert_eq!(out.status, ChainStatus::Trusted, "{:?}", out.error);
    let mut g = c.benchmark_group("chain");
    g.throughput(Throughput::Elements(1));
    g.bench_function("judge_warm", |b| {
        b.iter(|| warm.judge(black_box(&leaf), &message_certs, at))
    });
    g.bench_function("judge_cold", |b| {
        b.iter_batched(
            verifier,
            |v| v.judge(black_box(&leaf), &message_certs, at),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, cms_inspect, raw_verify, chain);
criterion_main!(benches);
