//! Randomness and identifiers. One ChaCha8 stream per user, keyed by (seed, user index); ids are
//! opaque but derived from (seed, user index, kind, ordinal) by hashing, so drawing an id never
//! consumes a simulation draw and ids never depend on thread scheduling.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The stream the population plan (archetype order, consent) uses; never a user index.
pub const PLAN_STREAM: u64 = u64::MAX;

/// The random stream of user `index` under `seed`.
pub fn user_rng(seed: u64, index: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(index);
    r
}

/// The stream of draw `draw` (1, 2, ...) of user `index`, for a user drawn again because its first
/// draw's data would not show exactly its labelled personas (`generate::user`). Its key mixes the
/// seed with the draw number, so no user of the same run draws from it; stream `index` as in
/// [`user_rng`].
pub fn redraw_rng(seed: u64, index: u64, draw: u32) -> ChaCha8Rng {
    let mut r =
        ChaCha8Rng::seed_from_u64(mix64(seed ^ mix64(REDRAW_KEY.wrapping_add(draw as u64))));
    r.set_stream(index);
    r
}

/// Mixed into the seed of [`redraw_rng`] keys (the bytes of "REDRAW").
const REDRAW_KEY: u64 = 0x5245_4452_4157;

pub fn plan_rng(seed: u64) -> ChaCha8Rng {
    user_rng(seed, PLAN_STREAM)
}

/// SplitMix64 finaliser: a bijective 64-bit mixer.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const B62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn push_base62(out: &mut String, mut v: u64, digits: usize) {
    for _ in 0..digits {
        out.push(B62[(v % 62) as usize] as char);
        v /= 62;
    }
}

/// Kinds of id, so that an account and a transaction with equal ordinals never share an id.
#[derive(Clone, Copy)]
pub enum IdKind {
    Account = 1,
    Transaction = 2,
    /// Plaid exports: the user's Item.
    Item = 3,
    /// Plaid exports: a response's `request_id`.
    Request = 4,
}

/// A Plaid-style id: `prefix` + 22 base-62 characters. The first 9 encode (user index, ordinal)
/// big-endian in `0-9A-Za-z` order, so ids sort in the order rows are generated (a database
/// appends to its primary-key index instead of inserting all over it); the last 13 are a hash of
/// (seed, user, kind, ordinal), so ids differ between seeds and look opaque.
pub fn opaque_id(prefix: &str, seed: u64, user: u64, kind: IdKind, ordinal: u64) -> String {
    let mut s = String::with_capacity(prefix.len() + 22);
    s.push_str(prefix);
    s.push_str(opaque_tail(seed, user, kind, ordinal).as_str());
    s
}

/// The 22 characters [`opaque_id`] puts after its prefix, built without allocating (writers
/// append them straight into their buffers).
pub fn opaque_tail(seed: u64, user: u64, kind: IdKind, ordinal: u64) -> IdTail {
    Tails::new(seed, user, kind).tail(ordinal)
}

/// The [`opaque_tail`]s of one (seed, user, kind), with the user's digits worked out once.
#[derive(Clone, Copy)]
pub struct Tails {
    seed: u64,
    user: u64,
    kind: IdKind,
    user_digits: [u8; 6],
}

impl Tails {
    pub fn new(seed: u64, user: u64, kind: IdKind) -> Tails {
        let mut user_digits = [0; 6];
        base62_be(&mut user_digits, user);
        Tails {
            seed,
            user,
            kind,
            user_digits,
        }
    }

    /// The tail of the id with this ordinal.
    pub fn tail(&self, ordinal: u64) -> IdTail {
        let a = mix64(self.seed ^ mix64(self.user ^ mix64((self.kind as u64) << 56 ^ ordinal)));
        let mut t = IdTail([0; 22]);
        t.0[..6].copy_from_slice(&self.user_digits);
        base62_be(&mut t.0[6..9], ordinal);
        base62_le(&mut t.0[9..20], a);
        base62_le(&mut t.0[20..], mix64(a));
        t
    }
}

/// The base-62 part of an opaque id (ASCII).
#[derive(Clone, Copy)]
pub struct IdTail([u8; 22]);

impl IdTail {
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("base-62 digits are ASCII")
    }
    /// The digits as bytes (no UTF-8 check).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// `v` in base 62, most significant digit first, in `out.len()` digits.
fn base62_be(out: &mut [u8], mut v: u64) {
    for slot in out.iter_mut().rev() {
        *slot = B62[(v % 62) as usize];
        v /= 62;
    }
}

/// `v` in base 62, least significant digit first, in `out.len()` digits: two digits per
/// division (ids are made once per written row).
fn base62_le(out: &mut [u8], mut v: u64) {
    /// Digit pairs of `0..62 * 62`, low digit first.
    const PAIRS: [[u8; 2]; 62 * 62] = {
        let mut t = [[0u8; 2]; 62 * 62];
        let mut i = 0;
        while i < 62 * 62 {
            t[i] = [B62[i % 62], B62[i / 62]];
            i += 1;
        }
        t
    };
    let pairs = &PAIRS;
    let mut two = out.chunks_exact_mut(2);
    for slot in &mut two {
        slot.copy_from_slice(&pairs[(v % (62 * 62)) as usize]);
        v /= 62 * 62;
    }
    if let [last] = two.into_remainder() {
        *last = B62[(v % 62) as usize];
    }
}

/// `user_` and the user index, zero-padded to the width of the largest index (at least 4), so
/// user ids sort in user order.
pub fn user_id(index: u64, n_users: u64) -> String {
    let width = n_users.saturating_sub(1).max(1).to_string().len().max(4);
    format!("user_{index:0width$}")
}

/// A stable id for a static name (merchant entity ids): 20 base-62 characters.
pub fn name_id(name: &str) -> String {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in name.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01B3);
    }
    let mut s = String::with_capacity(20);
    push_base62(&mut s, mix64(h), 10);
    push_base62(&mut s, mix64(h ^ 0x5555), 10);
    s
}

/// A fast hash for maps keyed by short ids, names and numbers, used only for lookups (no output
/// depends on a map's order). SipHash, the default, costs more than reading a row, and byte-wise
/// FNV a good part of it; this takes eight bytes per step, each a "folded" multiply (the two
/// halves of the 128-bit product xor-ed, as in wyhash and foldhash), so every input bit reaches
/// the low bits a hash table indexes by. (A plain multiply, as in FxHash, only carries bits
/// upwards: ids differing in their last characters then crowd into the same buckets.)
#[derive(Default)]
pub struct FastHash(u64);

/// An odd constant with well-spread bits (the fractional part of pi).
const MULTIPLIER: u64 = 0x243f_6a88_85a3_08d3;

impl FastHash {
    #[inline]
    fn add(&mut self, word: u64) {
        let p = ((self.0 ^ word) as u128) * (MULTIPLIER as u128);
        self.0 = (p as u64) ^ ((p >> 64) as u64);
    }
}

impl std::hash::Hasher for FastHash {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            self.add(u64::from_le_bytes(w.try_into().expect("eight bytes")));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last) ^ ((rest.len() as u64) << 59));
        }
    }
    #[inline]
    fn write_u8(&mut self, v: u8) {
        self.add(v as u64);
    }
    #[inline]
    fn write_u32(&mut self, v: u32) {
        self.add(v as u64);
    }
    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.add(v);
    }
    #[inline]
    fn write_usize(&mut self, v: usize) {
        self.add(v as u64);
    }
}

/// A `HashMap` with [`FastHash`].
pub type FastMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<FastHash>>;

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_differ_by_user_and_seed() {
        let a = user_rng(42, 0).next_u64();
        assert_eq!(a, user_rng(42, 0).next_u64());
        assert_ne!(a, user_rng(42, 1).next_u64());
        assert_ne!(a, user_rng(43, 0).next_u64());
    }

    #[test]
    fn ids_sort_in_generation_order() {
        let mut ids: Vec<String> = Vec::new();
        for u in [0u64, 1, 61, 62, 9_999, 10_000, 1_000_000] {
            for o in [0u64, 1, 61, 62, 3_843, 3_844, 200_000] {
                ids.push(opaque_id("txn_", 7, u, IdKind::Transaction, o));
            }
        }
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        assert_eq!(user_id(42, 100), "user_0042");
        assert_eq!(user_id(42, 100_000), "user_00042");
        assert_eq!(user_id(99_999, 100_000), "user_99999");
    }

    #[test]
    fn ids_are_stable_and_distinct() {
        let x = opaque_id("txn_", 42, 7, IdKind::Transaction, 3);
        assert_eq!(x, opaque_id("txn_", 42, 7, IdKind::Transaction, 3));
        assert_eq!(x.len(), 26);
        let mut seen = std::collections::HashSet::new();
        for u in 0..200 {
            for o in 0..200 {
                assert!(seen.insert(opaque_id("", 1, u, IdKind::Transaction, o)));
            }
        }
        assert_ne!(
            opaque_id("", 1, 2, IdKind::Account, 3),
            opaque_id("", 1, 2, IdKind::Transaction, 3)
        );
    }
}
