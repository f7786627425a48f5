//! Raw private-key operation rates for `benches/decrypt.sh`: the limit a
//! `--keys` scan of signed-then-encrypted mail is compared with. Not a
//! criterion bench: prints one line per operation, ops/s on T threads
//! (default 2), each thread running the operation in a loop for a fixed
//! time with the key parsed once.
//!
//!   cargo bench --bench decrypt -- [THREADS] [SECONDS]

use std::time::{Duration, Instant};

use aws_lc_rs::agreement::{self, EphemeralPrivateKey, UnparsedPublicKey};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{
    KeySize, Pkcs1PrivateDecryptingKey, Pkcs1PublicEncryptingKey, PrivateDecryptingKey,
};

/// CPU time of the calling thread, in seconds.
fn thread_cpu() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

/// Operations per second of wall time on `threads` threads, and CPU
/// microseconds per operation (thread CPU time: the same on a loaded
/// machine as on an idle one).
fn rate(threads: usize, secs: f64, op: impl Fn() + Sync) -> (f64, f64) {
    let (total, cpu): (u64, f64) = std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let c0 = thread_cpu();
                    let end = Instant::now() + Duration::from_secs_f64(secs);
                    let mut n = 0u64;
                    while Instant::now() < end {
                        op();
                        n += 1;
                    }
                    (n, thread_cpu() - c0)
                })
            })
            .collect();
        hs.into_iter()
            .map(|h| h.join().unwrap())
            .fold((0, 0.0), |(n, c), (m, d)| (n + m, c + d))
    });
    (total as f64 / secs, 1e6 * cpu / total.max(1) as f64)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let threads: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(2);
    let secs: f64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(3.0);

    // RSA-2048 PKCS#1 v1.5 decryption of a 32-byte content key.
    let key = PrivateDecryptingKey::generate(KeySize::Rsa2048).unwrap();
    let public = Pkcs1PublicEncryptingKey::new(key.public_key()).unwrap();
    let mut ct = vec![0u8; public.ciphertext_size()];
    public.encrypt(&[7u8; 32], &mut ct).unwrap();
    let dec = Pkcs1PrivateDecryptingKey::new(key).unwrap();
    let (r, us) = rate(threads, secs, || {
        let mut out = [0u8; 256];
        dec.decrypt(&ct, &mut out).unwrap();
    });
    println!("rsa2048-pkcs1-decrypt threads={threads} cpu_us={us:.1} ops/s={r:.0}");

    // P-256 ECDH with a fixed peer key (as a KeyAgreeRecipientInfo).
    let rng = SystemRandom::new();
    let ours = agreement::PrivateKey::generate(&agreement::ECDH_P256).unwrap();
    let peer = EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng).unwrap();
    let peer_pub = peer.compute_public_key().unwrap().as_ref().to_vec();
    let (r, us) = rate(threads, secs, || {
        let p = UnparsedPublicKey::new(&agreement::ECDH_P256, &peer_pub);
        agreement::agree(&ours, p, (), |z| Ok(z.len())).unwrap();
    });
    println!("p256-ecdh threads={threads} cpu_us={us:.1} ops/s={r:.0}");
}
