//! Trust history (SPEC "Trust history"): the built-in data, `smimescan
//! roots`, and chains judged against the roots Mozilla trusted at the time.

mod common;

use common::{csv_rows, root, smimescan};

/// The compiled-in data is a verbatim copy of the extraction.
#[test]
fn data_is_a_verbatim_copy_of_the_extraction() {
    let Some(shared) = common::peer("../trust-history") else {
        return;
    };
    for f in [
        "email-roots-history.csv",
        "email-roots-ever.pem",
        "releases.csv",
        "README.md",
        "extract.py",
    ] {
        let ours = std::fs::read(root("data/trust-history").join(f)).unwrap();
        let theirs = std::fs::read(shared.join(f)).unwrap();
        assert!(
            ours == theirs,
            "data/trust-history/{f} differs from the extraction"
        );
    }
}

#[test]
fn roots_lists_the_set_of_the_time() {
    let (code, out, err) = smimescan(&["roots", "--at", "2002-08-28T18:55:43Z"]);
    assert_eq!(code, 0, "{err}");
    let rows = csv_rows(&out);
    let eq = rows
        .iter()
        .find(|r| r["subject"] == "CN=Equifax Secure eBusiness CA-1,O=Equifax Secure Inc.,C=US")
        .expect("Equifax Secure eBusiness CA-1 trusted in 2002");
    assert_eq!(
        eq["sha256"],
        "cf56ff46a4a186109dd96584b5eeb58a510c4275b0e5f94f40bbae865e19f673"
    );
    assert_eq!(eq["trusted_from"], "2001-07-11T23:58:01Z");
    assert_eq!(eq["trusted_until"], "2016-09-26T06:00:51Z");
    assert_eq!(eq["from_release"], "NSS_3_3_RTM");
    assert_eq!(eq["until_release"], "NSS_3_27_RTM");
    // Roots of later years are absent.
    assert!(!out.contains("ISRG"), "{out}");

    // Distrust-after in force (set by NSS 3.63, 2021-03-18).
    let (_, out, _) = smimescan(&["roots", "--at", "2022-01-01T00:00:00Z"]);
    let rows = csv_rows(&out);
    let g6 = rows
        .iter()
        .find(|r| {
            r["subject"]
                .starts_with("CN=Symantec Class 2 Public Primary Certification Authority - G6")
        })
        .unwrap();
    assert_eq!(g6["distrust_after"], "2022-08-31T00:00:00Z");
    assert_eq!(g6["distrust_set"], "NSS_3_63_RTM");
    // Not yet in force at the start of 2021.
    let (_, out, _) = smimescan(&["roots", "--at", "2021-01-01T00:00:00Z"]);
    let rows = csv_rows(&out);
    let g6 = rows
        .iter()
        .find(|r| {
            r["subject"]
                .starts_with("CN=Symantec Class 2 Public Primary Certification Authority - G6")
        })
        .unwrap();
    assert_eq!(g6["distrust_after"], "");

    // Default: now, i.e. today's set (the certval_stores_mozilla snapshot).
    let (code, out, _) = smimescan(&["roots"]);
    assert_eq!(code, 0);
    assert_eq!(csv_rows(&out).len(), 88);
    assert!(!out.contains("Equifax"));

    let (code, _, err) = smimescan(&["roots", "--at", "yesterday"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a time"), "{err}");
}

const EQUIFAX: &str = "CN=Equifax Secure eBusiness CA-1,O=Equifax Secure Inc.,C=US";

/// SpamAssassin 01353 (Outlook 2002, signed 2002-08-28 by a GeoTrust True
/// Credentials CA 2 certificate under "Equifax Secure eBusiness CA-1",
/// which Mozilla trusted for e-mail from NSS 3.3, 2001, to NSS 3.27, 2016;
/// the message carries the root itself). Trusted as of its signing time,
/// untrusted against today's roots. OpenSSL agrees when given that root
/// and the signing time.
#[test]
fn spamassassin_01353_trusted_as_of_its_signing_time() {
    let Some(dir) = common::peer("spamassassin/smime-realworld") else {
        return;
    };
    let msg = dir.join("01353.cf72da836d8b771bea4110c8f9b5599b.txt");
    let msg = msg.to_str().unwrap();
    let scan = |extra: &[&str]| {
        let mut args = vec!["scan", "--progress", "never", msg];
        args.extend_from_slice(extra);
        let (code, out, err) = smimescan(&args);
        assert_eq!(code, 0, "{err}");
        let mut rows = csv_rows(&out);
        assert_eq!(rows.len(), 1);
        rows.remove(0)
    };

    let row = scan(&[]);
    assert_eq!(row["signing_time"], "2002-08-28T18:55:43Z");
    assert_eq!(row["validated_at"], "2002-08-28T18:55:43Z");
    assert_eq!(row["signature"], "valid");
    assert_eq!(row["chain"], "trusted", "{}", row["error"]);
    assert_eq!(row["anchor"], EQUIFAX);
    assert!(
        !row["findings"].contains("CHAIN_UNTRUSTED"),
        "{}",
        row["findings"]
    );
    // The same with the default spelled out.
    assert_eq!(scan(&["--builtin-trust", "asof"])["chain"], "trusted");

    // Today's set for every message: the root is gone (removed 2016).
    let row = scan(&["--builtin-trust", "current"]);
    assert_eq!(row["chain"], "untrusted");
    assert_eq!(row["anchor"], "");
    assert!(row["findings"].contains("CHAIN_UNTRUSTED"));

    // Judged now: no longer trusted (and expired, but no anchor comes first).
    let row = scan(&["--at", "now"]);
    assert_eq!(row["chain"], "untrusted");
    assert_eq!(row["anchor"], "");
    assert!(
        row["error"].contains(&format!(
            "built-in root '{EQUIFAX}' was not trusted for e-mail by Mozilla"
        )),
        "{}",
        row["error"]
    );
    // Judged when Mozilla had dropped it (NSS 3.27, 2016-09-26), the
    // certificates being taken as valid: still untrusted.
    let row = scan(&["--at", "2016-09-26T06:00:51Z"]);
    assert_eq!(row["chain"], "untrusted");
    // One second earlier the root was still trusted (the leaf expired in
    // 2003, so the path is complete but expired).
    let row = scan(&["--at", "2016-09-26T06:00:50Z"]);
    assert_eq!(row["chain"], "expired");
    assert_eq!(row["anchor"], EQUIFAX);

    // No built-in roots at all: untrusted whatever the mode.
    let row = scan(&["--no-default-trust"]);
    assert_eq!(row["chain"], "untrusted");

    // OpenSSL, given that root and the signing time, agrees.
    let root_pem = common::scratch("trust_history_01353").join("equifax.pem");
    let pem = std::fs::read_to_string(root("data/trust-history/email-roots-ever.pem")).unwrap();
    let block: String = pem
        .split("\n# ")
        .find(|b| b.starts_with("cf56ff46a4a186109dd96584b5eeb58a510c4275b0e5f94f40bbae865e19f673"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&root_pem, block).unwrap();
    match std::process::Command::new("openssl")
        .args([
            "cms",
            "-verify",
            "-purpose",
            "smimesign",
            "-out",
            "/dev/null",
            "-CAfile",
        ])
        .arg(&root_pem)
        .args(["-attime", "1030560943", "-in", msg])
        .output()
    {
        Ok(o) => {
            let text = String::from_utf8_lossy(&o.stderr);
            assert!(text.contains("Verification successful"), "{text}");
        }
        Err(_) => eprintln!("NOTICE: openssl not found; cross-check skipped"),
    }
}

mod injected {
    //! Edges real mail cannot reach, through a test-only history table
    //! (the same index and search, injected data): the corpora/chains Root
    //! CA as a built-in root with chosen intervals and distrust-after dates.

    use std::sync::Arc;

    use smimescan::pki::chain::{ChainError, ChainStatus, Verifier};
    use smimescan::pki::crl::Crls;
    use smimescan::pki::history::{BuiltinRoot, DistrustAfter, Refusal, Span, TrustHistory, OPEN};
    use smimescan::pki::store::{load_certs, CertStore};
    use smimescan::pki::trust::TrustStore;
    use smimescan::pki::Cert;
    use smimescan::time::parse_rfc3339;

    fn cert(name: &str) -> Arc<Cert> {
        let p = super::root(&format!("corpora/chains/certs/{name}.pem"));
        load_certs(&[p]).unwrap().0.remove(0)
    }

    fn t(s: &str) -> i64 {
        parse_rfc3339(s).unwrap()
    }

    /// Root CA trusted [2021-01-01, 2030-01-01), optionally with a
    /// distrust-after date (after, set at); `given` = also a `--trust`
    /// anchor.
    fn verifier(distrust: Option<(i64, i64)>, given: bool) -> Verifier {
        let real = TrustHistory::builtin().unwrap();
        let mut roots: Vec<BuiltinRoot> = real.roots().to_vec();
        roots.push(BuiltinRoot {
            cert: cert("root"),
            spans: vec![Span {
                from: t("2021-01-01T00:00:00Z"),
                until: t("2030-01-01T00:00:00Z"),
                from_label: "test 1".into(),
                until_label: "test 2".into(),
                distrust: distrust.map(|(after, set_at)| DistrustAfter {
                    after,
                    set_at,
                    set_label: "test 3".into(),
                }),
            }],
        });
        let mut store = TrustStore::from_certs(if given { vec![cert("root")] } else { vec![] });
        store.add_history(Arc::new(TrustHistory::from_roots(
            roots,
            real.current_from(),
        )));
        Verifier::new(store, CertStore::new(), Crls::empty())
    }

    fn refusal(e: &Option<ChainError>) -> Refusal {
        match e {
            Some(ChainError::BuiltinRootRefused(r)) => {
                assert_eq!(r.root, "CN=Root CA,O=smimescan test");
                r.reason
            }
            other => panic!("expected a refused built-in root, got {other:?}"),
        }
    }

    #[test]
    fn root_anchors_only_inside_its_interval() {
        let v = verifier(None, false);
        let (leaf, msg) = (cert("leaf_good"), vec![cert("inter")]);
        let out = v.judge(&leaf, &msg, t("2020-12-31T23:59:59Z"));
        assert_eq!(out.status, ChainStatus::Untrusted);
        assert_eq!(refusal(&out.error), Refusal::NotTrusted);
        assert!(out.anchor.is_none());
        let text = out.error.unwrap().to_string();
        assert!(
            text.contains("was not trusted for e-mail by Mozilla at 2020-12-31T23:59:59Z (trusted 2021-01-01 to 2030-01-01)"),
            "{text}"
        );
        let out = v.judge(&leaf, &msg, t("2021-01-01T00:00:00Z"));
        assert_eq!(out.status, ChainStatus::Trusted, "{:?}", out.error);
        assert_eq!(out.anchor.unwrap().subject, "CN=Root CA,O=smimescan test");
        let out = v.judge(&leaf, &msg, t("2029-12-31T23:59:59Z"));
        assert_eq!(out.status, ChainStatus::Trusted);
        let out = v.judge(&leaf, &msg, t("2030-01-01T00:00:00Z"));
        assert_eq!(out.status, ChainStatus::Untrusted);
    }

    /// A forger carrying the root (or a re-issued copy with its name and
    /// key) in the message gains nothing when the history refuses it.
    #[test]
    fn root_copy_in_the_message_does_not_anchor_when_refused() {
        let v = verifier(None, false);
        let leaf = cert("leaf_good");
        for carried in ["root", "root_reissued"] {
            let msg = vec![cert("inter"), cert(carried)];
            let out = v.judge(&leaf, &msg, t("2020-06-01T00:00:00Z"));
            assert_eq!(out.status, ChainStatus::Untrusted, "{carried}");
            assert_eq!(refusal(&out.error), Refusal::NotTrusted);
            let out = v.judge(&leaf, &msg, t("2025-06-01T00:00:00Z"));
            assert_eq!(out.status, ChainStatus::Trusted, "{carried}");
        }
    }

    /// Distrust-after D: leaves issued after D are refused, but only from
    /// the date D was set; leaf_good's notBefore is 2020-01-01T00:00:00Z.
    #[test]
    fn distrust_after_applies_from_its_setting_to_later_leaves() {
        let (leaf, msg) = (cert("leaf_good"), vec![cert("inter")]);
        assert_eq!(leaf.not_before, t("2020-01-01T00:00:00Z"));
        let set = t("2024-01-01T00:00:00Z");
        let v = verifier(Some((leaf.not_before - 1, set)), false);
        let out = v.judge(&leaf, &msg, set - 1);
        assert_eq!(out.status, ChainStatus::Trusted, "not retroactive");
        let out = v.judge(&leaf, &msg, set);
        assert_eq!(out.status, ChainStatus::Untrusted);
        assert_eq!(
            refusal(&out.error),
            Refusal::DistrustedAfter(leaf.not_before - 1)
        );
        assert!(out.error.unwrap().to_string().contains(
            "distrusted by Mozilla at 2024-01-01T00:00:00Z for leaf certificates issued after \
                 2019-12-31T23:59:59Z (the signer's: 2020-01-01T00:00:00Z)"
        ));
        // A leaf issued at D exactly is still fine.
        let v = verifier(Some((leaf.not_before, set)), false);
        assert_eq!(v.judge(&leaf, &msg, set).status, ChainStatus::Trusted);
        // Only the leaf counts: the intermediate (also 2020-01-01) is no leaf.
        let v = verifier(Some((leaf.not_before, set)), false);
        assert_eq!(
            v.judge(&leaf, &msg, t("2029-01-01T00:00:00Z")).status,
            ChainStatus::Trusted
        );
    }

    /// A `--trust` anchor equal to the built-in root is trusted as given.
    #[test]
    fn given_anchor_overrides_the_history() {
        let v = verifier(Some((0, 0)), true);
        let (leaf, msg) = (cert("leaf_good"), vec![cert("inter")]);
        for at in [
            "2020-06-01T00:00:00Z",
            "2025-06-01T00:00:00Z",
            "2031-01-01T00:00:00Z",
        ] {
            assert_eq!(
                v.judge(&leaf, &msg, t(at)).status,
                ChainStatus::Trusted,
                "{at}"
            );
        }
    }

    /// One link cache serves every time set: judging at a refused time
    /// and then at an accepted one verifies no signature twice.
    #[test]
    fn link_cache_is_shared_across_times() {
        let v = verifier(None, false);
        let (leaf, msg) = (cert("leaf_good"), vec![cert("inter")]);
        assert_eq!(
            v.judge(&leaf, &msg, t("2025-06-01T00:00:00Z")).status,
            ChainStatus::Trusted
        );
        let (_, misses) = v.link_cache_stats();
        assert_eq!(
            v.judge(&leaf, &msg, t("2020-06-01T00:00:00Z")).status,
            ChainStatus::Untrusted
        );
        assert_eq!(
            v.judge(&leaf, &msg, t("2026-06-01T00:00:00Z")).status,
            ChainStatus::Trusted
        );
        assert_eq!(v.link_cache_stats().1, misses);
    }

    /// Past the history's end the current snapshot applies; an open span
    /// of an injected root is kept.
    #[test]
    fn open_span_reaches_any_time() {
        let real = TrustHistory::builtin().unwrap();
        let roots = vec![BuiltinRoot {
            cert: cert("root"),
            spans: vec![Span {
                from: t("2021-01-01T00:00:00Z"),
                until: OPEN,
                from_label: String::new(),
                until_label: String::new(),
                distrust: None,
            }],
        }];
        let mut store = TrustStore::empty();
        store.add_history(Arc::new(TrustHistory::from_roots(
            roots,
            real.current_from(),
        )));
        let v = Verifier::new(store, CertStore::new(), Crls::empty());
        let out = v.judge(
            &cert("leaf_good"),
            &[cert("inter")],
            t("2039-06-01T00:00:00Z"),
        );
        assert_eq!(out.status, ChainStatus::Trusted);
    }
}
