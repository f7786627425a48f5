//! Compressed archives (issue 17): single-stream and multi-member gzip
//! (bgzip-like small members, and large pieces), single- and multi-frame
//! zstd, scanned at -j 1 and -j 2, give the rows of the uncompressed file
//! byte for byte (offsets in the decompressed stream); a multi-member file
//! large enough to be decoded region by region on worker threads; shards
//! of a compressed file; truncated and corrupted files end in an error row
//! for the message they cut, after every message before it, and a
//! warning — never a lost message.

mod common;

use std::io::Write;
use std::path::Path;

use common::{scratch, smimescan};

const AT: &str = "2026-01-01T00:00:00Z";

/// An mbox of about `size` bytes: the sample archive's messages (signed,
/// opaque, tampered, plain) between messages with pseudo-random base64
/// attachments (they compress poorly, so the compressed file holds
/// several regions of the parallel decoder).
fn archive(size: usize) -> Vec<u8> {
    let sample = std::fs::read(common::root("corpora/sample/archive/sample.mbox")).unwrap();
    let mut out = Vec::new();
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut i = 0;
    while out.len() < size {
        out.extend_from_slice(&sample);
        if !out.ends_with(b"\n\n") {
            out.extend_from_slice(b"\n");
        }
        out.extend_from_slice(
            format!("From x{i}@example.com Mon Jun  3 10:00:00 2024\nFrom: x{i}@example.com\nSubject: filler {i}\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nfiller\n--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n").as_bytes(),
        );
        for _ in 0..(200 + i % 300) {
            let mut line = String::new();
            for _ in 0..57 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let c = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                    [(x % 64) as usize];
                line.push(c as char);
            }
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
        out.extend_from_slice(b"--b--\n\n");
        i += 1;
    }
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

/// One gzip member per `piece` bytes (bgzip: 64 KiB; a split file
/// compressed piece by piece: larger).
fn gzip_members(data: &[u8], piece: usize) -> Vec<u8> {
    data.chunks(piece).flat_map(gzip).collect()
}

/// A zstd frame with a content checksum, as the `zstd` CLI writes it.
fn zstd(data: &[u8], level: i32) -> Vec<u8> {
    let mut enc = zstd::stream::write::Encoder::new(Vec::new(), level).unwrap();
    enc.include_checksum(true).unwrap();
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// One zstd frame per `piece` bytes (pzstd, the seekable format).
fn zstd_frames(data: &[u8], piece: usize) -> Vec<u8> {
    data.chunks(piece).flat_map(|p| zstd(p, 1)).collect()
}

/// A zstd frame that declares its content size (as `zstd FILE` writes it
/// when it knows the input's size), with a checksum.
fn zstd_sized(data: &[u8], level: i32) -> Vec<u8> {
    let mut enc = zstd::stream::write::Encoder::new(Vec::new(), level).unwrap();
    enc.include_checksum(true).unwrap();
    enc.include_contentsize(true).unwrap();
    enc.set_pledged_src_size(Some(data.len() as u64)).unwrap();
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// One zstd frame per `piece` bytes, every other one declaring its
/// content size (decoded in one call) and the others not (streamed).
fn zstd_mixed_frames(data: &[u8], piece: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, p) in data.chunks(piece).enumerate() {
        out.extend(if i % 2 == 0 {
            zstd_sized(p, 1)
        } else {
            zstd(p, 1)
        });
    }
    let sized = zstd::zstd_safe::get_frame_content_size(&out).unwrap();
    assert_eq!(
        sized,
        Some(piece as u64),
        "the first frame declares its size"
    );
    out
}

/// CSV rows of `scan` without the `source` column, the exit code and
/// stderr.
fn scan(path: &Path, extra: &[&str]) -> (Vec<String>, i32, String) {
    let mut args = vec![
        "scan",
        path.to_str().unwrap(),
        "--at",
        AT,
        "--format",
        "jsonl",
    ];
    args.extend_from_slice(extra);
    let (code, out, err) = smimescan(&args);
    let rows = out
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            v.as_object_mut().unwrap().remove("source");
            v.to_string()
        })
        .collect();
    (rows, code, err)
}

fn files(dir: &Path, plain: &[u8]) -> Vec<(String, std::path::PathBuf)> {
    let made: Vec<(&str, Vec<u8>)> = vec![
        ("single.mbox.gz", gzip(plain)),
        ("bgzip.mbox.gz", gzip_members(plain, 64 << 10)),
        ("pieces.mbox.gz", gzip_members(plain, 700 << 10)),
        ("single.mbox.zst", zstd(plain, 3)),
        ("frames.mbox.zst", zstd_frames(plain, 300 << 10)),
        ("sized-frames.mbox.zst", zstd_mixed_frames(plain, 300 << 10)),
    ];
    made.into_iter()
        .map(|(name, bytes)| {
            let p = dir.join(name);
            std::fs::write(&p, bytes).unwrap();
            (name.to_string(), p)
        })
        .collect()
}

/// Every compressed form, at -j 1 and -j 2, gives the plain file's rows;
/// the multi-member/multi-frame ones are over 4 MiB compressed, so -j 2
/// decodes them region by region on two workers.
#[test]
fn compressed_rows_equal_the_plain_rows_at_any_thread_count() {
    let dir = scratch("compressed-parallel");
    let plain = archive(9 << 20);
    let mbox = dir.join("plain.mbox");
    std::fs::write(&mbox, &plain).unwrap();
    let (want, code, err) = scan(&mbox, &["-j", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(want.len() > 100, "{}", want.len());
    for (name, path) in files(&dir, &plain) {
        let size = std::fs::metadata(&path).unwrap().len();
        if !name.starts_with("single") {
            // More than one region of the parallel decoder (2 MiB).
            assert!(size > 3 << 20, "{name}: {size} bytes");
        }
        for j in ["1", "2"] {
            let (got, code, err) = scan(&path, &["-j", j]);
            assert_eq!(code, 0, "{name} -j {j}: {err}");
            same(&got, &want, &format!("{name} -j {j}"));
        }
    }
}

/// A compressed file cannot be cut: the shard whose byte range holds its
/// first byte reads it whole, the others nothing (as before issue 17).
#[test]
fn a_compressed_file_goes_whole_to_one_shard() {
    let dir = scratch("compressed-shards");
    let plain = archive(5 << 20);
    let mbox = dir.join("plain.mbox");
    std::fs::write(&mbox, &plain).unwrap();
    let (want, _, _) = scan(&mbox, &["-j", "1"]);
    let path = dir.join("frames.mbox.zst");
    std::fs::write(&path, zstd_frames(&plain, 300 << 10)).unwrap();
    let (first, code, err) = scan(&path, &["-j", "2", "--shard", "0/2"]);
    assert_eq!(code, 0, "{err}");
    same(&first, &want, "shard 0/2");
    let (second, code, err) = scan(&path, &["-j", "2", "--shard", "1/2"]);
    assert_eq!(code, 0, "{err}");
    assert!(second.is_empty(), "{}", second.len());
}

/// `got` and `want` are the same rows (the first difference is shown).
fn same(got: &[String], want: &[String], what: &str) {
    if let Some(i) = (0..got.len().min(want.len())).find(|&i| got[i] != want[i]) {
        panic!("{what}: row {i} differs:\n{}\n{}", got[i], want[i]);
    }
    assert_eq!(got.len(), want.len(), "{what}: row counts");
}

fn verdict(row: &str) -> (String, String) {
    let v: serde_json::Value = serde_json::from_str(row).unwrap();
    (
        v["verdict"].as_str().unwrap().to_string(),
        v["error"].as_str().unwrap().to_string(),
    )
}

/// A truncated or corrupted compressed file (zstd with the content
/// checksum the CLI writes; without one zstd cannot tell corruption): every message before the
/// damage keeps its row (equal to the plain file's), the message the
/// damage cuts is an `error` row, and the run warns (a corrupt member
/// may inflate to some garbage before its check fails: those rows are
/// the garbage's); at -j 1 and -j 2,
/// single-stream and multi-member alike.
#[test]
fn truncated_and_corrupt_compressed_files_lose_no_message() {
    let dir = scratch("compressed-damaged");
    let plain = archive(5 << 20);
    let mbox = dir.join("plain.mbox");
    std::fs::write(&mbox, &plain).unwrap();
    let (want, _, _) = scan(&mbox, &["-j", "1"]);
    for (name, path) in files(&dir, &plain) {
        let good = std::fs::read(&path).unwrap();
        let cut = good.len() * 2 / 3;
        let mut flipped = good.clone();
        for b in &mut flipped[cut..cut + 64] {
            *b ^= 0x5a;
        }
        for (how, bytes) in [("truncated", good[..cut].to_vec()), ("corrupt", flipped)] {
            let damaged = dir.join(format!("{how}-{name}"));
            std::fs::write(&damaged, bytes).unwrap();
            for j in ["1", "2"] {
                let (got, _, err) = scan(&damaged, &["-j", j]);
                let what = format!("{how} {name} -j {j}");
                assert!(err.contains("decompression"), "{what}: {err}");
                assert!(got.len() > want.len() / 3, "{what}: {} rows", got.len());
                let last = got.len() - 1;
                // A truncated stream's bytes are all right; a corrupt
                // member may inflate to garbage before its CRC fails.
                let whole = if how == "truncated" {
                    last
                } else {
                    want.len() / 3
                };
                same(&got[..whole], &want[..whole], &what);
                let (v, e) = verdict(&got[last]);
                assert_eq!(v, "error", "{what}: {e}");
                assert!(e.contains("decompression"), "{what}: {e}");
            }
        }
    }
}
