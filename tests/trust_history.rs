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
