//! A DDSketch: a mergeable quantile sketch with a guaranteed *relative* error.
//!
//! Latency SLOs need quantiles (p99) and "how many requests were faster than 300 ms" over
//! millions of measurements, aggregated per 5-minute slice and merged across slices and
//! replicas. Keeping every value is too costly and averaging percentiles is wrong, so each
//! slice keeps a sketch instead. A DDSketch maps a positive value `v` to the bucket
//! `ceil(log_γ(v))` with `γ = (1 + α) / (1 − α)`; every value in a bucket is within `α`
//! (here 1 %) of the bucket's representative value, so every quantile answered from the
//! bucket counts is within 1 % of the true value, whatever the distribution. Merging adds
//! bucket counts, which is exact: merging two sketches gives the same buckets as sketching
//! both streams together.
//!
//! Values at or below [`MIN_POSITIVE`] (including zero, negative values and NaN, which a
//! latency can never validly be) are counted in a separate zero bucket whose value is 0.
//! The exact minimum, maximum and sum are tracked alongside the buckets.
//!
//! Sketches are stored as compact bytes ([`DdSketch::to_bytes`]): a format version byte,
//! LEB128 varints for the zero count, bucket indices (delta-coded) and bucket counts, then
//! min, max and sum as little-endian `f64`. [`DdSketch::from_bytes`] validates everything and
//! returns an error for truncated or malformed input rather than panicking.

use std::collections::BTreeMap;

/// Values at or below this are counted in the zero bucket (and read back as 0).
pub const MIN_POSITIVE: f64 = 1e-9;

/// The current (and only) binary format version.
const FORMAT_VERSION: u8 = 1;

/// `γ = (1 + α) / (1 − α)`: the ratio between consecutive bucket bounds.
const GAMMA: f64 = (1.0 + DdSketch::RELATIVE_ACCURACY) / (1.0 - DdSketch::RELATIVE_ACCURACY);

/// Why a byte string is not a valid sketch encoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SketchError {
    /// The input was empty.
    #[error("empty sketch encoding")]
    Empty,
    /// The first byte names a format this code does not read.
    #[error("unsupported sketch format version {0}")]
    UnsupportedVersion(u8),
    /// The input ended in the middle of a field.
    #[error("truncated sketch encoding: input ends at byte {offset}")]
    Truncated {
        /// Where more bytes were needed.
        offset: usize,
    },
    /// A field holds a value that no valid sketch produces.
    #[error("malformed sketch encoding at byte {offset}: {reason}")]
    Malformed {
        /// Where the bad field starts.
        offset: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Bytes were left over after a complete sketch.
    #[error("{0} unexpected trailing bytes after the sketch")]
    TrailingBytes(usize),
}

/// A relative-error quantile sketch (DDSketch, 1 % relative accuracy).
///
/// See the module documentation for the guarantees and the binary format.
#[derive(Debug, Clone, PartialEq)]
pub struct DdSketch {
    /// Counts of positive values per bucket index; never holds a zero count.
    bins: BTreeMap<i32, u64>,
    /// Number of values at or below [`MIN_POSITIVE`] (after NaN/negatives became 0).
    zero_count: u64,
    /// Total number of values (`zero_count` plus all bucket counts).
    count: u64,
    /// Exact minimum (`+∞` while empty).
    min: f64,
    /// Exact maximum (`−∞` while empty).
    max: f64,
    /// Sum of all values.
    sum: f64,
}

impl Default for DdSketch {
    fn default() -> Self {
        Self::new()
    }
}

impl DdSketch {
    /// The relative accuracy `α`: every quantile is within `α · value` of the true one.
    pub const RELATIVE_ACCURACY: f64 = 0.01;

    /// An empty sketch.
    pub fn new() -> Self {
        Self {
            bins: BTreeMap::new(),
            zero_count: 0,
            count: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            sum: 0.0,
        }
    }

    /// Adds one value. NaN and negative values are counted as 0 (a measurement such as a
    /// latency cannot be negative, and dropping them would hide them from the count);
    /// `+∞` is counted as `f64::MAX`.
    pub fn add(&mut self, value: f64) {
        self.add_n(value, 1);
    }

    /// Adds `n` occurrences of one value (same rules as [`DdSketch::add`]); `n = 0` does
    /// nothing.
    pub fn add_n(&mut self, value: f64, n: u64) {
        if n == 0 {
            return;
        }
        let value = normalize(value);
        match bucket_of(value) {
            None => self.zero_count = self.zero_count.saturating_add(n),
            Some(index) => {
                let slot = self.bins.entry(index).or_insert(0);
                *slot = slot.saturating_add(n);
            }
        }
        self.count = self.count.saturating_add(n);
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        // Precision: the sum is a plain f64 sum, so it is exact only while the values
        // and partial sums are exactly representable (e.g. integer microseconds).
        self.sum += value * n as f64;
    }

    /// Adds every value of `other` into `self`. The buckets, count, min and max come out
    /// exactly as if both streams had been added to one sketch; the sum is the `f64` sum of
    /// the two sums, which may differ in the last bits from summing the values in another
    /// order.
    pub fn merge(&mut self, other: &DdSketch) {
        if other.is_empty() {
            return;
        }
        for (&index, &n) in &other.bins {
            let slot = self.bins.entry(index).or_insert(0);
            *slot = slot.saturating_add(n);
        }
        self.zero_count = self.zero_count.saturating_add(other.zero_count);
        self.count = self.count.saturating_add(other.count);
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.sum += other.sum;
    }

    /// The number of values added.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Whether no value has been added.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The `q`-quantile, `q` in `[0, 1]`, using the lower-rank definition: the value at
    /// rank `floor(q · (n − 1))` (0-based) of the sorted values. The answer is within 1 %
    /// relative error of that value (values in the zero bucket read as 0, or the exact
    /// minimum), and always within the exact `[min, max]`; `q = 0` and `q = 1` give the
    /// exact min and max. `None` when the sketch is empty or `q` is outside `[0, 1]` / NaN.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.is_empty() || !(0.0..=1.0).contains(&q) {
            return None;
        }
        let rank = (q * (self.count - 1) as f64).floor() as u64;
        let estimate = self.value_at_rank(rank);
        // Clamping never moves the estimate away from the true value, which lies in
        // [min, max]; `max`/`min` rather than `clamp` so that nothing can panic.
        Some(estimate.max(self.min).min(self.max))
    }

    /// The representative value of the bucket holding the value at `rank`.
    fn value_at_rank(&self, rank: u64) -> f64 {
        let mut seen = self.zero_count;
        if rank < seen {
            return 0.0;
        }
        for (&index, &n) in &self.bins {
            seen = seen.saturating_add(n);
            if rank < seen {
                return representative(index);
            }
        }
        self.max
    }

    /// The number of values `<= threshold`.
    ///
    /// Exact for thresholds at or above the maximum or below the minimum, and for every
    /// value whose bucket lies wholly below or above `threshold`. The values in the one
    /// bucket that contains `threshold` are all counted as at most `threshold` iff the
    /// bucket's representative value is; so only values within about ±2 % (one bucket
    /// width, `γ ≈ 1.0202`) of the threshold can be misclassified. The zero bucket counts
    /// as 0. A NaN threshold counts nothing.
    pub fn count_at_most(&self, threshold: f64) -> u64 {
        if threshold.is_nan() || self.is_empty() || threshold < self.min {
            return 0;
        }
        if threshold >= self.max {
            return self.count;
        }
        let mut good = self.zero_count;
        for (&index, &n) in &self.bins {
            if representative(index) > threshold {
                break;
            }
            good = good.saturating_add(n);
        }
        good
    }

    /// The exact smallest value added (after NaN/negatives became 0); `None` when empty.
    pub fn min(&self) -> Option<f64> {
        (!self.is_empty()).then_some(self.min)
    }

    /// The exact largest value added; `None` when empty.
    pub fn max(&self) -> Option<f64> {
        (!self.is_empty()).then_some(self.max)
    }

    /// The sum of the values added (0 when empty).
    pub fn sum(&self) -> f64 {
        self.sum
    }

    /// The compact binary encoding (format version 1):
    ///
    /// ```text
    /// u8      version = 1
    /// varint  zero_count
    /// varint  number of buckets B
    /// B ×     (index, count): the first index zigzag-coded, each later one as the (≥ 1)
    ///         difference from the previous; count ≥ 1, all LEB128 varints
    /// f64 LE  min, max, sum (min = max = sum = 0 for an empty sketch)
    /// ```
    ///
    /// The encoding is canonical: equal sketches give equal bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32 + self.bins.len() * 3);
        out.push(FORMAT_VERSION);
        put_varint(&mut out, self.zero_count);
        put_varint(&mut out, self.bins.len() as u64);
        let mut previous: Option<i32> = None;
        for (&index, &n) in &self.bins {
            let coded = match previous {
                None => zigzag(index),
                Some(p) => (i64::from(index) - i64::from(p)).unsigned_abs(),
            };
            put_varint(&mut out, coded);
            put_varint(&mut out, n);
            previous = Some(index);
        }
        let (min, max) = if self.is_empty() {
            (0.0, 0.0)
        } else {
            (self.min, self.max)
        };
        for x in [min, max, self.sum] {
            out.extend_from_slice(&x.to_le_bytes());
        }
        out
    }

    /// Decodes [`DdSketch::to_bytes`] output. Rejects (never panics on) empty, truncated,
    /// overlong or otherwise malformed input, unknown versions and trailing bytes, and
    /// checks that min/max/sum are consistent with the buckets.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SketchError> {
        let mut reader = Reader { bytes, pos: 0 };
        let version = reader.byte().map_err(|_| SketchError::Empty)?;
        if version != FORMAT_VERSION {
            return Err(SketchError::UnsupportedVersion(version));
        }
        let zero_count = reader.varint()?;
        let mut count = zero_count;
        let buckets = reader.varint()?;
        let (lowest, highest) = (min_index(), max_index());
        let mut bins = BTreeMap::new();
        let mut previous: Option<i32> = None;
        for _ in 0..buckets {
            let at = reader.pos;
            let coded = reader.varint()?;
            let index = match previous {
                None => unzigzag(coded),
                Some(p) => {
                    if coded == 0 {
                        return Err(reader.malformed(at, "bucket indices not increasing"));
                    }
                    i64::from(p).saturating_add(i64::try_from(coded).unwrap_or(i64::MAX))
                }
            };
            let index = i32::try_from(index)
                .ok()
                .filter(|i| (lowest..=highest).contains(i))
                .ok_or_else(|| reader.malformed(at, "bucket index out of range"))?;
            let at = reader.pos;
            let n = reader.varint()?;
            if n == 0 {
                return Err(reader.malformed(at, "empty bucket"));
            }
            count = count
                .checked_add(n)
                .ok_or_else(|| reader.malformed(at, "total count overflows"))?;
            bins.insert(index, n);
            previous = Some(index);
        }
        let stats_at = reader.pos;
        let min = reader.f64()?;
        let max = reader.f64()?;
        let sum = reader.f64()?;
        if reader.pos != bytes.len() {
            return Err(SketchError::TrailingBytes(bytes.len() - reader.pos));
        }
        let sketch = if count == 0 {
            if [min, max, sum].iter().any(|x| x.to_bits() != 0) {
                return Err(reader.malformed(stats_at, "empty sketch with non-zero statistics"));
            }
            DdSketch::new()
        } else {
            let lowest_bucket = if zero_count > 0 {
                None
            } else {
                bins.keys().next().copied()
            };
            let highest_bucket = bins.keys().next_back().copied();
            let consistent = min.is_finite()
                && max.is_finite()
                && min >= 0.0
                && min <= max
                && sum >= 0.0 // also rejects NaN
                && bucket_of(min) == lowest_bucket
                && bucket_of(max) == highest_bucket;
            if !consistent {
                return Err(reader.malformed(stats_at, "min/max/sum inconsistent with buckets"));
            }
            DdSketch {
                bins,
                zero_count,
                count,
                min,
                max,
                sum,
            }
        };
        Ok(sketch)
    }
}

/// Maps NaN and negatives to 0 and `+∞` to `f64::MAX`.
fn normalize(value: f64) -> f64 {
    if value.is_nan() || value <= 0.0 {
        0.0
    } else {
        value.min(f64::MAX)
    }
}

/// The bucket index of a normalized value; `None` for the zero bucket.
fn bucket_of(value: f64) -> Option<i32> {
    (value > MIN_POSITIVE).then(|| (value.ln() / GAMMA.ln()).ceil() as i32)
}

/// The value every member of bucket `index` (`(γ^(index−1), γ^index]`) is within `α` of.
fn representative(index: i32) -> f64 {
    (f64::from(index) * GAMMA.ln()).exp() * (2.0 / (1.0 + GAMMA))
}

/// The smallest bucket index a value above [`MIN_POSITIVE`] can get.
fn min_index() -> i32 {
    (MIN_POSITIVE.ln() / GAMMA.ln()).ceil() as i32
}

/// The largest bucket index (that of `f64::MAX`).
fn max_index() -> i32 {
    (f64::MAX.ln() / GAMMA.ln()).ceil() as i32
}

/// Zigzag-codes a signed index so small magnitudes give short varints.
fn zigzag(index: i32) -> u64 {
    let wide = i64::from(index);
    ((wide << 1) ^ (wide >> 63)) as u64
}

/// Inverse of [`zigzag`].
fn unzigzag(coded: u64) -> i64 {
    ((coded >> 1) as i64) ^ -((coded & 1) as i64)
}

/// Appends `value` as an unsigned LEB128 varint.
fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// A cursor over the encoded bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn truncated(&self) -> SketchError {
        SketchError::Truncated { offset: self.pos }
    }

    fn malformed(&self, offset: usize, reason: &'static str) -> SketchError {
        SketchError::Malformed { offset, reason }
    }

    fn byte(&mut self) -> Result<u8, SketchError> {
        let b = *self.bytes.get(self.pos).ok_or_else(|| self.truncated())?;
        self.pos += 1;
        Ok(b)
    }

    /// Reads a canonical LEB128 `u64`: at most 10 bytes, no overflow, no redundant
    /// trailing zero groups.
    fn varint(&mut self) -> Result<u64, SketchError> {
        let start = self.pos;
        let mut value: u64 = 0;
        for group in 0..10u32 {
            let b = self.byte()?;
            let payload = u64::from(b & 0x7f);
            if group == 9 && payload > 1 {
                return Err(self.malformed(start, "varint overflows u64"));
            }
            value |= payload << (7 * group);
            if b & 0x80 == 0 {
                if group > 0 && payload == 0 {
                    return Err(self.malformed(start, "overlong varint"));
                }
                return Ok(value);
            }
        }
        Err(self.malformed(start, "varint longer than 10 bytes"))
    }

    fn f64(&mut self) -> Result<f64, SketchError> {
        let end = self.pos.checked_add(8).ok_or_else(|| self.truncated())?;
        let raw: [u8; 8] = self
            .bytes
            .get(self.pos..end)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| self.truncated())?;
        self.pos = end;
        Ok(f64::from_le_bytes(raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const QUANTILES: [f64; 8] = [0.0, 0.01, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0];

    /// A small deterministic PRNG (splitmix64) for reproducible test data.
    struct SplitMix64(u64);

    impl SplitMix64 {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// Uniform in [0, 1).
        fn unit(&mut self) -> f64 {
            (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
        }

        /// Standard normal (Box–Muller).
        fn normal(&mut self) -> f64 {
            let u1 = 1.0 - self.unit(); // (0, 1]
            let u2 = self.unit();
            (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
        }
    }

    fn sketch_of(values: &[f64]) -> DdSketch {
        let mut s = DdSketch::new();
        values.iter().for_each(|&v| s.add(v));
        s
    }

    fn exact_quantile(sorted: &[f64], q: f64) -> f64 {
        sorted[(q * (sorted.len() - 1) as f64).floor() as usize]
    }

    /// Every checked quantile within the relative accuracy (plus float noise).
    fn assert_accurate(name: &str, values: &[f64]) {
        let sketch = sketch_of(values);
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        for q in QUANTILES {
            let exact = exact_quantile(&sorted, q);
            let got = sketch.quantile(q).unwrap();
            let tolerance = DdSketch::RELATIVE_ACCURACY * exact * (1.0 + 1e-9);
            assert!(
                (got - exact).abs() <= tolerance,
                "{name}: q={q} exact={exact} got={got}"
            );
        }
        assert_eq!(sketch.min(), sorted.first().copied());
        assert_eq!(sketch.max(), sorted.last().copied());
        assert_eq!(sketch.count(), values.len() as u64);
    }

    #[test]
    fn uniform_quantiles() {
        let mut rng = SplitMix64(1);
        let values: Vec<f64> = (0..100_000).map(|_| 1.0 + 999.0 * rng.unit()).collect();
        assert_accurate("uniform", &values);
    }

    #[test]
    fn exponential_quantiles() {
        let mut rng = SplitMix64(2);
        let values: Vec<f64> = (0..100_000)
            .map(|_| -(1.0 - rng.unit()).ln() * 120.0 + 1e-3)
            .collect();
        assert_accurate("exponential", &values);
    }

    #[test]
    fn lognormal_quantiles() {
        let mut rng = SplitMix64(3);
        let values: Vec<f64> = (0..100_000)
            .map(|_| (4.0 + 1.5 * rng.normal()).exp())
            .collect();
        assert_accurate("lognormal", &values);
    }

    #[test]
    fn constant_quantiles() {
        assert_accurate("constant", &[42.5; 1000]);
        let s = sketch_of(&[42.5; 1000]);
        for q in QUANTILES {
            assert_eq!(s.quantile(q), Some(42.5)); // clamped to exact min = max
        }
    }

    #[test]
    fn wide_range_quantiles() {
        // Log-uniform over nine decades, 1e-3 .. 1e6.
        let mut rng = SplitMix64(4);
        let values: Vec<f64> = (0..50_000)
            .map(|_| 10f64.powf(-3.0 + 9.0 * rng.unit()))
            .collect();
        assert_accurate("wide", &values);
    }

    #[test]
    fn small_streams_and_single_values() {
        assert_accurate("one", &[0.25]);
        assert_accurate("two", &[3.0, 7.0]);
        assert_accurate("few", &[5.0, 1.0, 9.0, 2.0, 2.0, 8.0, 100.0]);
    }

    #[test]
    fn empty_and_out_of_range_q() {
        let empty = DdSketch::new();
        assert!(empty.is_empty());
        assert_eq!(empty.quantile(0.5), None);
        assert_eq!(empty.min(), None);
        assert_eq!(empty.max(), None);
        assert_eq!(empty.count_at_most(1.0), 0);
        let s = sketch_of(&[1.0, 2.0]);
        assert_eq!(s.quantile(-0.1), None);
        assert_eq!(s.quantile(1.1), None);
        assert_eq!(s.quantile(f64::NAN), None);
        assert_eq!(DdSketch::default(), DdSketch::new());
    }

    #[test]
    fn nan_negative_zero_and_infinity() {
        let mut s = DdSketch::new();
        s.add(f64::NAN);
        s.add(-5.0);
        s.add(0.0);
        s.add(5e-10);
        s.add(10.0);
        assert_eq!(s.count(), 5);
        assert_eq!(s.min(), Some(0.0));
        assert_eq!(s.quantile(0.0), Some(0.0));
        assert_eq!(s.quantile(0.5), Some(0.0));
        assert_eq!(s.quantile(1.0), Some(10.0));
        assert_eq!(s.count_at_most(0.0), 4);
        assert_eq!(s.count_at_most(-1.0), 0);
        assert_eq!(s.count_at_most(f64::NAN), 0);
        s.add(f64::INFINITY);
        assert_eq!(s.max(), Some(f64::MAX));
        let back = DdSketch::from_bytes(&s.to_bytes()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn add_n_matches_repeated_add() {
        let mut a = DdSketch::new();
        a.add_n(3.0, 4);
        a.add_n(9.0, 0);
        let b = sketch_of(&[3.0; 4]);
        assert_eq!(a, b);
        assert_eq!(a.sum(), 12.0);
    }

    #[test]
    fn merge_equals_sketch_of_concatenation() {
        // Integer values (like microseconds) keep the f64 sum exact, so bytes match.
        let mut rng = SplitMix64(5);
        let left: Vec<f64> = (0..5000)
            .map(|_| (rng.next_u64() % 1_000_000) as f64)
            .collect();
        let right: Vec<f64> = (0..7000).map(|_| (rng.next_u64() % 5_000) as f64).collect();
        let mut merged = sketch_of(&left);
        merged.merge(&sketch_of(&right));
        let all: Vec<f64> = left.iter().chain(&right).copied().collect();
        let whole = sketch_of(&all);
        assert_eq!(merged.to_bytes(), whole.to_bytes());
        assert_eq!(merged, whole);
        // Merging an empty sketch either way changes nothing.
        let mut m = whole.clone();
        m.merge(&DdSketch::new());
        assert_eq!(m, whole);
        let mut e = DdSketch::new();
        e.merge(&whole);
        assert_eq!(e, whole);
    }

    #[test]
    fn count_at_most_within_edge_tolerance() {
        let mut rng = SplitMix64(6);
        let values: Vec<f64> = (0..20_000)
            .map(|_| (5.0 + 1.0 * rng.normal()).exp())
            .collect();
        let s = sketch_of(&values);
        let exact = |t: f64| values.iter().filter(|&&v| v <= t).count() as u64;
        for t in [1.0, 10.0, 50.0, 100.0, 148.4, 200.0, 300.0, 1000.0, 5000.0] {
            let got = s.count_at_most(t);
            // Only values in the threshold's bucket (within a factor γ) can be misplaced.
            let (low, high) = (exact(t / (GAMMA * 1.0001)), exact(t * GAMMA * 1.0001));
            assert!(low <= got && got <= high, "t={t}: {low} <= {got} <= {high}");
        }
        assert_eq!(s.count_at_most(f64::INFINITY), s.count());
        assert_eq!(s.count_at_most(s.max().unwrap()), s.count());
        assert_eq!(s.count_at_most(s.min().unwrap() * 0.999), 0);
    }

    #[test]
    fn encoding_layout_and_errors() {
        let empty = DdSketch::new().to_bytes();
        assert_eq!(empty.len(), 1 + 1 + 1 + 24);
        assert_eq!(empty[0], 1);
        assert_eq!(DdSketch::from_bytes(&empty).unwrap(), DdSketch::new());
        assert_eq!(DdSketch::from_bytes(&[]), Err(SketchError::Empty));
        let mut v2 = empty.clone();
        v2[0] = 2;
        assert_eq!(
            DdSketch::from_bytes(&v2),
            Err(SketchError::UnsupportedVersion(2))
        );
        let mut trailing = empty.clone();
        trailing.push(0);
        assert_eq!(
            DdSketch::from_bytes(&trailing),
            Err(SketchError::TrailingBytes(1))
        );
        // An overlong varint for the zero count (0 written as 0x80 0x00).
        let mut overlong = vec![1, 0x80, 0x00, 0];
        overlong.extend_from_slice(&[0; 24]);
        assert!(matches!(
            DdSketch::from_bytes(&overlong),
            Err(SketchError::Malformed { .. })
        ));
        // Stats that contradict the buckets.
        let mut s = sketch_of(&[10.0, 20.0]).to_bytes();
        let n = s.len();
        s[n - 24..n - 16].copy_from_slice(&15.0f64.to_le_bytes());
        assert!(matches!(
            DdSketch::from_bytes(&s),
            Err(SketchError::Malformed { .. })
        ));
    }

    #[test]
    fn encoding_is_compact() {
        let mut rng = SplitMix64(7);
        let values: Vec<f64> = (0..100_000)
            .map(|_| (4.0 + 0.5 * rng.normal()).exp())
            .collect();
        let bytes = sketch_of(&values).to_bytes();
        assert!(bytes.len() < 1000, "{} bytes", bytes.len());
    }

    fn value_strategy() -> impl Strategy<Value = f64> {
        prop_oneof![
            1e-3f64..1e6,
            0.0f64..1e-8,
            Just(0.0),
            Just(f64::NAN),
            -10.0f64..0.0,
            Just(f64::INFINITY),
            1e300f64..f64::MAX,
        ]
    }

    proptest! {
        #[test]
        fn round_trip(values in prop::collection::vec((value_strategy(), 1u64..1000), 0..200)) {
            let mut s = DdSketch::new();
            for (v, n) in values {
                s.add_n(v, n);
            }
            let bytes = s.to_bytes();
            let back = DdSketch::from_bytes(&bytes).unwrap();
            prop_assert_eq!(&back, &s);
            prop_assert_eq!(back.to_bytes(), bytes.clone());
            for cut in 0..bytes.len() {
                prop_assert!(DdSketch::from_bytes(&bytes[..cut]).is_err());
            }
        }

        #[test]
        fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = DdSketch::from_bytes(&bytes);
            let mut with_version = bytes.clone();
            with_version.insert(0, 1);
            if let Ok(s) = DdSketch::from_bytes(&with_version) {
                // Whatever decodes must be usable and re-encode to the same bytes.
                let _ = s.quantile(0.5);
                let _ = s.count_at_most(1.0);
                prop_assert_eq!(s.to_bytes(), with_version);
            }
        }

        #[test]
        fn merge_matches_bucketwise(
            a in prop::collection::vec(1e-3f64..1e6, 0..100),
            b in prop::collection::vec(1e-3f64..1e6, 0..100),
        ) {
            let mut merged = sketch_of(&a);
            merged.merge(&sketch_of(&b));
            let all: Vec<f64> = a.iter().chain(&b).copied().collect();
            let whole = sketch_of(&all);
            prop_assert_eq!(&merged.bins, &whole.bins);
            prop_assert_eq!(merged.count(), whole.count());
            prop_assert_eq!(merged.min(), whole.min());
            prop_assert_eq!(merged.max(), whole.max());
            prop_assert!((merged.sum() - whole.sum()).abs() <= 1e-9 * whole.sum().max(1.0));
        }
    }
}
