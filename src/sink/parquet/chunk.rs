//! Column chunks encoded here instead of by the parquet crate's Arrow writer, for the
//! transactions file (nearly every row of a run): the writer interns every value of a
//! dictionary column by hashing its bytes, while here the caller knows which values repeat (a
//! merchant is a static string, a user's id is the same for all its rows) and hands over
//! dictionary indices. The pages are the ones the Arrow writer makes with the same settings:
//! data page v1, snappy, `RLE_DICTIONARY` indices after a `PLAIN` dictionary page, or `PLAIN`
//! values, and RLE definition levels; min/max statistics per chunk where asked for. The values
//! are encoded here ([`rle_hybrid`]) and compressed with `snap`, the codec the crate uses; pages
//! are written with the crate's own page writer and spliced into the row group with
//! [`SerializedRowGroupWriter::append_column`](parquet::file::writer::SerializedRowGroupWriter::append_column).

use crate::ids::FastMap;
use bytes::Bytes;
use parquet::basic::{Compression, Encoding, EncodingMask, PageType};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::data_type::ByteArray;
use parquet::errors::{ParquetError, Result};
use parquet::file::metadata::{ColumnChunkMetaData, PageEncodingStats};
use parquet::file::statistics::{Statistics, ValueStatistics};
use parquet::file::writer::{SerializedPageWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;

/// Rows per data page (the parquet crate's default row limit is 20,000).
pub const PAGE_ROWS: usize = 16 * 1024;

/// One encoded column chunk: its bytes (offsets in `close` are relative to them) and metadata.
pub struct Chunk {
    pub bytes: Bytes,
    pub close: ColumnCloseResult,
}

/// What a column chunk holds, accumulated row by row until [`finish`].
pub enum Values {
    /// Dictionary-encoded: the dictionary's values (`PLAIN`) and one index per non-null value.
    Dict(Dict, Vec<u32>),
    /// `PLAIN` values of a required column, with the byte offset of every [`PAGE_ROWS`]-th value
    /// (where each page's values begin).
    Plain(Vec<u8>, Vec<usize>),
    /// A required text key column: held as [`Values::Plain`] holds it, written
    /// `DELTA_BYTE_ARRAY` and uncompressed ([`delta_byte_array`] says why).
    Delta(Vec<u8>, Vec<usize>),
    /// A required boolean column.
    Bool(Vec<bool>),
}

/// Min/max of a chunk, when the column keeps statistics.
pub enum Stats {
    None,
    Bytes(Option<(Vec<u8>, Vec<u8>)>),
    Int32(Option<(i32, i32)>),
    Double(Option<(f64, f64)>),
    Bool(Option<(bool, bool)>),
}

/// A dictionary being built: distinct values in first-seen order, found by content (so the
/// bytes written never depend on where a value lives in memory) or, faster, by a caller's key
/// that stands for one content (a static string's address and length, a day number).
#[derive(Default)]
pub struct Dict {
    /// The values, `PLAIN`-encoded (byte arrays with a 4-byte length, or 4-byte integers).
    plain: Vec<u8>,
    len: u32,
    by_value: FastMap<Box<[u8]>, u32>,
    by_key: KeyCache,
    /// Byte arrays (length-prefixed) rather than fixed 4-byte integers.
    text: bool,
}

impl Dict {
    pub fn text() -> Dict {
        Dict {
            text: true,
            ..Dict::default()
        }
    }

    pub fn int32() -> Dict {
        Dict::default()
    }

    /// The index of `value` (bytes of a text value, or an `i32`'s little-endian bytes).
    pub fn index(&mut self, value: &[u8]) -> u32 {
        if let Some(&i) = self.by_value.get(value) {
            return i;
        }
        let i = self.len;
        if self.text {
            self.plain
                .extend_from_slice(&(value.len() as u32).to_le_bytes());
        }
        self.plain.extend_from_slice(value);
        self.by_value.insert(value.into(), i);
        self.len += 1;
        i
    }

    /// The index of the value `key` stands for; `value` is asked only the first time.
    #[inline]
    pub fn index_keyed(&mut self, key: (usize, usize), value: impl FnOnce() -> Vec<u8>) -> u32 {
        if let Some(i) = self.by_key.get(key) {
            return i;
        }
        let i = self.index(&value());
        self.by_key.insert(key, i);
        i
    }

    /// The index of a static string, looked up by its address first.
    pub fn index_static(&mut self, s: &'static str) -> u32 {
        self.index_keyed((s.as_ptr() as usize, s.len()), || s.as_bytes().to_vec())
    }

    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Empties the dictionary for the next chunk, keeping its allocations.
    pub fn clear(&mut self) {
        self.plain.clear();
        self.len = 0;
        self.by_value.clear();
        self.by_key.clear();
    }

    /// The smallest and largest value (bytes compared as unsigned, Parquet's order for strings).
    pub fn min_max_bytes(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        let min = self.by_value.keys().min()?;
        let max = self.by_value.keys().max()?;
        Some((min.to_vec(), max.to_vec()))
    }

    /// The smallest and largest `i32` value.
    pub fn min_max_i32(&self) -> Option<(i32, i32)> {
        let ints = self
            .by_value
            .keys()
            .map(|k| i32::from_le_bytes(k.as_ref().try_into().expect("int32 values are 4 bytes")));
        let (mut lo, mut hi) = (i32::MAX, i32::MIN);
        let mut any = false;
        for v in ints {
            lo = lo.min(v);
            hi = hi.max(v);
            any = true;
        }
        any.then_some((lo, hi))
    }
}

/// A map from a caller's key (two words) to a dictionary index: open addressing with a
/// multiplicative hash, since it is asked once per value written (a general hash map cost more
/// than the rest of the row).
#[derive(Default)]
struct KeyCache {
    /// (key, index + 1); an index of 0 marks an empty slot. The length is a power of two.
    slots: Vec<((usize, usize), u32)>,
    /// 64 minus log2 of the length: the product's top bits pick the slot.
    shift: u32,
    used: usize,
    /// The last key found and its index (columns often repeat the previous row's value).
    last: Option<((usize, usize), u32)>,
}

impl KeyCache {
    #[inline]
    fn get(&mut self, key: (usize, usize)) -> Option<u32> {
        if let Some((k, i)) = self.last {
            if k == key {
                return Some(i);
            }
        }
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let h = (key.0 ^ key.1.rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut at = h >> self.shift;
        loop {
            let (k, v) = self.slots[at & mask];
            if v == 0 {
                return None;
            }
            if k == key {
                self.last = Some((key, v - 1));
                return Some(v - 1);
            }
            at += 1;
        }
    }

    fn insert(&mut self, key: (usize, usize), index: u32) {
        if (self.used + 1) * 2 > self.slots.len() {
            let old = std::mem::take(&mut self.slots);
            let len = (old.len() * 2).max(64);
            self.slots = vec![((0, 0), 0); len];
            self.shift = usize::BITS - len.trailing_zeros();
            self.used = 0;
            for (k, v) in old.into_iter().filter(|s| s.1 != 0) {
                self.insert(k, v - 1);
            }
        }
        let mask = self.slots.len() - 1;
        let h = (key.0 ^ key.1.rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut at = (h >> self.shift) & mask;
        while self.slots[at].1 != 0 {
            at = (at + 1) & mask;
        }
        self.slots[at] = (key, index + 1);
        self.used += 1;
        self.last = Some((key, index));
    }

    fn clear(&mut self) {
        self.slots.fill(((0, 0), 0));
        self.used = 0;
        self.last = None;
    }
}

/// Bits needed for values `0..n`.
fn bit_width(n: usize) -> u8 {
    let max = n.saturating_sub(1) as u64;
    (64 - max.leading_zeros()) as u8
}

/// Appends `values` in Parquet's RLE/bit-packing hybrid encoding, `width` bits each: runs of
/// eight or more equal values as RLE runs, the rest bit-packed in groups of eight (values before
/// a run are packed in whole groups, the run lending the last ones; the final group is padded
/// with zeros, which a reader ignores past the page's value count).
pub fn rle_hybrid<T: Copy + PartialEq + Into<u32>>(values: &[T], width: u8, out: &mut Vec<u8>) {
    let (mut packed_from, mut i) = (0, 0);
    while i < values.len() {
        let run = values[i..].iter().take_while(|v| **v == values[i]).count();
        let lend = (8 - (i - packed_from) % 8) % 8;
        if run >= 8 + lend {
            bit_packed(&values[packed_from..i + lend], width, out);
            rle_run(values[i].into(), run - lend, width, out);
            packed_from = i + run;
        }
        i += run;
    }
    bit_packed(&values[packed_from..], width, out);
}

/// An RLE run: its length, then the value in whole bytes.
fn rle_run(value: u32, count: usize, width: u8, out: &mut Vec<u8>) {
    uleb128((count as u64) << 1, out);
    out.extend_from_slice(&value.to_le_bytes()[..(width as usize).div_ceil(8)]);
}

/// Bit-packed runs of at most 63 groups of eight values (as the parquet crate writes them),
/// least significant bit first.
fn bit_packed<T: Copy + Into<u32>>(values: &[T], width: u8, out: &mut Vec<u8>) {
    for part in values.chunks(63 * 8) {
        let groups = part.len().div_ceil(8);
        uleb128(((groups as u64) << 1) | 1, out);
        let values = (0..groups * 8).map(|k| part.get(k).map_or(0, |v| (*v).into() as u64));
        pack_bits(values, width, out);
    }
}

/// Appends `values`, `width` bits each, least significant bit first (Parquet's bit-packing,
/// for the hybrid encoding and for `DELTA_BINARY_PACKED`'s miniblocks); the caller pads them to
/// a whole number of bytes.
fn pack_bits(values: impl Iterator<Item = u64>, width: u8, out: &mut Vec<u8>) {
    let (mut acc, mut bits) = (0u128, 0u32);
    for v in values {
        acc |= (v as u128) << bits;
        bits += width as u32;
        while bits >= 8 {
            out.push(acc as u8);
            acc >>= 8;
            bits -= 8;
        }
    }
}

fn uleb128(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Appends the byte arrays of a page, held `PLAIN` (each with a 4-byte length), encoded
/// `DELTA_BYTE_ARRAY`: the length of the prefix each value shares with the one before it, the
/// lengths of the rest (both `DELTA_BINARY_PACKED`), then the rests. Ids are written in the
/// order they sort, so about half of each (its prefix and the user's part) is the previous id's;
/// the rest is random base-62 that snappy would not shrink, so the page stays uncompressed.
pub fn delta_byte_array(plain: &[u8], out: &mut Vec<u8>) {
    let (mut prefixes, mut lengths, mut rests) = (Vec::new(), Vec::new(), Vec::new());
    let mut previous: &[u8] = &[];
    let mut at = 0;
    while at < plain.len() {
        let len = u32::from_le_bytes(plain[at..at + 4].try_into().expect("4 bytes")) as usize;
        let value = &plain[at + 4..at + 4 + len];
        at += 4 + len;
        let shared = previous
            .iter()
            .zip(value)
            .take_while(|(a, b)| a == b)
            .count();
        prefixes.push(shared as i64);
        lengths.push((len - shared) as i64);
        rests.extend_from_slice(&value[shared..]);
        previous = value;
    }
    delta_binary_packed(&prefixes, out);
    delta_binary_packed(&lengths, out);
    out.extend_from_slice(&rests);
}

/// Values per block and miniblocks per block of [`delta_binary_packed`] (the parquet crate's
/// choice for 32-bit values).
const DELTA_BLOCK: usize = 128;
const DELTA_MINIBLOCKS: usize = 4;

/// Appends `values` in Parquet's `DELTA_BINARY_PACKED` encoding: a header (block size,
/// miniblocks per block, value count, first value), then per block of 128 differences between
/// neighbours their minimum and, per miniblock of 32, the differences less that minimum
/// bit-packed at the miniblock's width. A last miniblock is padded to 32 values; miniblocks
/// after the last value keep their width byte (0) and have no body.
pub fn delta_binary_packed(values: &[i64], out: &mut Vec<u8>) {
    uleb128(DELTA_BLOCK as u64, out);
    uleb128(DELTA_MINIBLOCKS as u64, out);
    uleb128(values.len() as u64, out);
    uleb128(zigzag(values.first().copied().unwrap_or(0)), out);
    let deltas: Vec<i64> = values.windows(2).map(|w| w[1].wrapping_sub(w[0])).collect();
    let per_mini = DELTA_BLOCK / DELTA_MINIBLOCKS;
    for block in deltas.chunks(DELTA_BLOCK) {
        let min = *block.iter().min().expect("a block has a value");
        uleb128(zigzag(min), out);
        let mut widths = [0u8; DELTA_MINIBLOCKS];
        for (w, mini) in widths.iter_mut().zip(block.chunks(per_mini)) {
            let max = mini.iter().map(|d| d.wrapping_sub(min) as u64).max();
            *w = (64 - max.unwrap_or(0).leading_zeros()) as u8;
        }
        out.extend_from_slice(&widths);
        for (&width, mini) in widths.iter().zip(block.chunks(per_mini)) {
            let values =
                (0..per_mini).map(|k| mini.get(k).map_or(0, |d| d.wrapping_sub(min) as u64));
            pack_bits(values, width, out);
        }
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// Encodes one column chunk of `rows` rows. `defined` has one entry per row for a nullable
/// column (false = null) and is empty for a required one.
pub fn finish(
    descr: &ColumnDescPtr,
    rows: usize,
    defined: &[bool],
    values: &Values,
    stats: Stats,
) -> Result<Chunk> {
    let nullable = descr.max_def_level() > 0;
    if defined.len() != if nullable { rows } else { 0 } {
        return Err(ParquetError::General(format!(
            "column {}: definition levels do not match the column",
            descr.name()
        )));
    }
    let compression = match values {
        Values::Delta(..) => Compression::UNCOMPRESSED,
        _ => Compression::SNAPPY,
    };
    let mut snappy = snap::raw::Encoder::new();
    let mut squeeze = |raw: &[u8]| -> Result<Vec<u8>> {
        match compression {
            Compression::UNCOMPRESSED => Ok(raw.to_vec()),
            _ => snappy
                .compress_vec(raw)
                .map_err(|e| ParquetError::External(Box::new(e))),
        }
    };
    // The compressed pages with their uncompressed sizes, all made before any is written, so
    // the chunk's buffer is allocated once at its size: a buffer grown page by page copied each
    // megabyte of a chunk about once more, into memory the kernel had to zero first.
    let mut made: Vec<(Page, usize)> = Vec::new();
    let value_encoding = match values {
        Values::Dict(dict, _) => {
            let buf = squeeze(&dict.plain)?;
            let page = Page::DictionaryPage {
                buf: Bytes::from(buf),
                num_values: dict.len,
                encoding: Encoding::PLAIN,
                is_sorted: false,
            };
            made.push((page, dict.plain.len()));
            Encoding::RLE_DICTIONARY
        }
        Values::Plain(..) | Values::Bool(_) => Encoding::PLAIN,
        Values::Delta(..) => Encoding::DELTA_BYTE_ARRAY,
    };

    let mut value_at = 0usize;
    let mut raw = Vec::new();
    for (p, start) in (0..rows).step_by(PAGE_ROWS).enumerate() {
        let end = (start + PAGE_ROWS).min(rows);
        raw.clear();
        // Definition levels (v1 page: a 4-byte length, then the RLE/bit-packed hybrid).
        let count = if nullable {
            raw.extend_from_slice(&[0; 4]);
            let levels = &defined[start..end];
            rle_hybrid(levels, 1, &mut raw);
            let len = (raw.len() - 4) as u32;
            raw[..4].copy_from_slice(&len.to_le_bytes());
            levels.iter().filter(|d| **d).count()
        } else {
            end - start
        };
        match values {
            Values::Dict(dict, indices) => {
                let width = bit_width(dict.len());
                raw.push(width);
                rle_hybrid(&indices[value_at..value_at + count], width, &mut raw);
            }
            Values::Plain(buf, starts) | Values::Delta(buf, starts) => {
                let from = starts[p];
                let to = starts.get(p + 1).copied().unwrap_or(buf.len());
                match values {
                    Values::Delta(..) => delta_byte_array(&buf[from..to], &mut raw),
                    _ => raw.extend_from_slice(&buf[from..to]),
                }
            }
            Values::Bool(bits) => {
                let page = &bits[value_at..value_at + count];
                for eight in page.chunks(8) {
                    let byte = eight
                        .iter()
                        .enumerate()
                        .fold(0u8, |b, (k, &v)| b | ((v as u8) << k));
                    raw.push(byte);
                }
            }
        }
        value_at += count;
        let buf = squeeze(&raw)?;
        let page = Page::DataPage {
            buf: Bytes::from(buf),
            num_values: (end - start) as u32,
            encoding: value_encoding,
            def_level_encoding: Encoding::RLE,
            rep_level_encoding: Encoding::RLE,
            statistics: None,
        };
        made.push((page, raw.len()));
    }

    // A v1 page header takes a few dozen bytes; the room given each is generous.
    let size: usize = made.iter().map(|(p, _)| p.buffer().len() + 64).sum();
    let mut sink = TrackedWrite::new(Vec::with_capacity(size));
    let mut dict_offset = None;
    let mut data_offset = None;
    let (mut compressed, mut uncompressed) = (0u64, 0u64);
    let mut encoding_stats = Vec::new();
    let mut pages = 0;
    for (page, raw) in made {
        let ty = page.page_type();
        let spec =
            SerializedPageWriter::new(&mut sink).write_page(CompressedPage::new(page, raw))?;
        compressed += spec.compressed_size as u64;
        uncompressed += spec.uncompressed_size as u64;
        if ty == PageType::DICTIONARY_PAGE {
            dict_offset = Some(spec.offset as i64);
            encoding_stats.push(PageEncodingStats {
                page_type: PageType::DICTIONARY_PAGE,
                encoding: Encoding::PLAIN,
                count: 1,
            });
        } else {
            data_offset.get_or_insert(spec.offset as i64);
            pages += 1;
        }
    }
    if pages > 0 {
        encoding_stats.push(PageEncodingStats {
            page_type: PageType::DATA_PAGE,
            encoding: value_encoding,
            count: pages,
        });
    }
    let nulls = defined.iter().filter(|d| !**d).count() as u64;
    let statistics = match stats {
        Stats::None => None,
        Stats::Bytes(m) => {
            let (lo, hi) = m.map_or((None, None), |(a, b)| {
                (Some(ByteArray::from(a)), Some(ByteArray::from(b)))
            });
            Some(Statistics::ByteArray(ValueStatistics::new(
                lo,
                hi,
                None,
                Some(nulls),
                false,
            )))
        }
        Stats::Int32(m) => Some(Statistics::Int32(
            ValueStatistics::new(m.map(|m| m.0), m.map(|m| m.1), None, Some(nulls), false)
                .with_backwards_compatible_min_max(true),
        )),
        Stats::Double(m) => Some(Statistics::Double(
            ValueStatistics::new(m.map(|m| m.0), m.map(|m| m.1), None, Some(nulls), false)
                .with_backwards_compatible_min_max(true),
        )),
        Stats::Bool(m) => Some(Statistics::Boolean(
            ValueStatistics::new(m.map(|m| m.0), m.map(|m| m.1), None, Some(nulls), false)
                .with_backwards_compatible_min_max(true),
        )),
    };
    // As the Arrow writer lists them: PLAIN for a dictionary page or plain values.
    let encodings = match value_encoding {
        Encoding::RLE_DICTIONARY => vec![Encoding::PLAIN, Encoding::RLE, value_encoding],
        Encoding::PLAIN => vec![Encoding::PLAIN, Encoding::RLE],
        _ => vec![Encoding::RLE, value_encoding],
    };
    let mut meta = ColumnChunkMetaData::builder(descr.clone())
        .set_compression(compression)
        .set_encodings_mask(EncodingMask::new_from_encodings(encodings.iter()))
        .set_page_encoding_stats(encoding_stats)
        .set_total_compressed_size(compressed as i64)
        .set_total_uncompressed_size(uncompressed as i64)
        .set_num_values(rows as i64)
        .set_data_page_offset(data_offset.unwrap_or(0))
        .set_dictionary_page_offset(dict_offset);
    if let Some(s) = statistics {
        meta = meta.set_statistics(s);
    }
    let bytes = Bytes::from(sink.into_inner()?);
    Ok(Chunk {
        close: ColumnCloseResult {
            bytes_written: bytes.len() as u64,
            rows_written: rows as u64,
            metadata: meta.build()?,
            bloom_filter: None,
            column_index: None,
            offset_index: None,
        },
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parquet's RLE/bit-packed hybrid, decoded as a reader does.
    fn decode(mut b: &[u8], width: u8, n: usize) -> Vec<u32> {
        let mut out = Vec::new();
        while out.len() < n {
            let (mut header, mut shift) = (0u64, 0);
            loop {
                let byte = b[0];
                b = &b[1..];
                header |= ((byte & 0x7f) as u64) << shift;
                shift += 7;
                if byte < 0x80 {
                    break;
                }
            }
            if header & 1 == 1 {
                let values = (header >> 1) as usize * 8;
                let bytes = values * width as usize / 8;
                for k in 0..values {
                    let mut v = 0u32;
                    for j in 0..width as usize {
                        let bit = k * width as usize + j;
                        v |= (((b[bit / 8] >> (bit % 8)) & 1) as u32) << j;
                    }
                    out.push(v);
                }
                b = &b[bytes..];
            } else {
                let len = (width as usize).div_ceil(8);
                let mut v = [0u8; 4];
                v[..len].copy_from_slice(&b[..len]);
                b = &b[len..];
                out.extend(std::iter::repeat_n(
                    u32::from_le_bytes(v),
                    (header >> 1) as usize,
                ));
            }
        }
        assert!(b.is_empty(), "trailing bytes");
        out.truncate(n);
        out
    }

    fn uleb(b: &mut &[u8]) -> u64 {
        let (mut v, mut shift) = (0u64, 0);
        loop {
            let byte = b[0];
            *b = &b[1..];
            v |= ((byte & 0x7f) as u64) << shift;
            shift += 7;
            if byte < 0x80 {
                return v;
            }
        }
    }

    fn unzigzag(v: u64) -> i64 {
        ((v >> 1) as i64) ^ -((v & 1) as i64)
    }

    /// `DELTA_BINARY_PACKED`, decoded as the format's specification reads it; the bytes after.
    fn decode_delta(mut b: &[u8]) -> (Vec<i64>, &[u8]) {
        let block = uleb(&mut b) as usize;
        let minis = uleb(&mut b) as usize;
        let n = uleb(&mut b) as usize;
        let mut out = vec![unzigzag(uleb(&mut b))];
        while out.len() < n {
            let min = unzigzag(uleb(&mut b));
            let widths = b[..minis].to_vec();
            b = &b[minis..];
            for w in widths {
                if out.len() == n {
                    break;
                }
                let w = w as usize;
                for k in 0..block / minis {
                    let mut v = 0u64;
                    for j in 0..w {
                        let bit = k * w + j;
                        v |= (((b[bit / 8] >> (bit % 8)) & 1) as u64) << j;
                    }
                    if out.len() < n {
                        let prev = *out.last().unwrap();
                        out.push(prev.wrapping_add(min.wrapping_add(v as i64)));
                    }
                }
                b = &b[block / minis * w / 8..];
            }
        }
        out.truncate(n);
        (out, b)
    }

    #[test]
    fn delta_binary_packed_decodes_to_its_values() {
        let cases: Vec<Vec<i64>> = vec![
            vec![],
            vec![7],
            vec![3, 3],
            (0..129).collect(),
            (0..1_000).map(|i| (i * 7919) % 1000 - 500).collect(),
            (0..300)
                .map(|i| if i % 2 == 0 { i64::MIN } else { i64::MAX })
                .collect(),
            vec![13; 33],
            (0..161).map(|i| 10 + i % 4).collect(),
        ];
        for values in cases {
            let mut out = Vec::new();
            delta_binary_packed(&values, &mut out);
            let (got, rest) = decode_delta(&out);
            assert_eq!(got, values);
            assert!(
                rest.is_empty(),
                "trailing bytes after {} values",
                values.len()
            );
        }
        // 161 values: a header (128, 4, 161 and 10 take 2, 1, 2 and 1 bytes), a full block and
        // a block of 32 differences. The differences are +1 +1 +1 -3, so each block's minimum
        // is -3 (1 byte), its widths 4 bytes, and a miniblock 32 values of 3 bits; the second
        // block's three widths after its one miniblock are 0, without bodies.
        let mut out = Vec::new();
        delta_binary_packed(&(0..161).map(|i| 10 + i % 4).collect::<Vec<_>>(), &mut out);
        assert_eq!(out.len(), 6 + (1 + 4 + 4 * 12) + (1 + 4 + 12));
        assert_eq!(out[6 + 53 + 1..6 + 53 + 5], [3, 0, 0, 0]);
    }

    #[test]
    fn delta_byte_array_keeps_only_what_differs_from_the_value_before() {
        let values: [&[u8]; 5] = [b"txn_0001a", b"txn_0001b", b"txn_0002zz", b"", b"acc"];
        let mut plain = Vec::new();
        for v in values {
            plain.extend_from_slice(&(v.len() as u32).to_le_bytes());
            plain.extend_from_slice(v);
        }
        let mut out = Vec::new();
        delta_byte_array(&plain, &mut out);
        let (prefixes, rest) = decode_delta(&out);
        let (lengths, rest) = decode_delta(rest);
        assert_eq!(prefixes, [0, 8, 7, 0, 0]);
        assert_eq!(lengths, [9, 1, 3, 0, 3]);
        assert_eq!(rest, b"txn_0001ab2zzacc");
        // Decoded back: each prefix taken from the value before.
        let (mut at, mut previous, mut decoded) = (0, Vec::new(), Vec::new());
        for (p, l) in prefixes.iter().zip(&lengths) {
            let mut v = previous[..*p as usize].to_vec();
            v.extend_from_slice(&rest[at..at + *l as usize]);
            at += *l as usize;
            decoded.push(v.clone());
            previous = v;
        }
        assert_eq!(decoded, values.map(|v| v.to_vec()));
    }

    #[test]
    fn the_hybrid_encoding_decodes_to_its_values() {
        let mut cases: Vec<(Vec<u32>, u8)> = vec![
            (vec![], 3),
            (vec![0; 20], 0),
            (vec![5; 3], 3),
            (
                vec![1, 2, 3, 4, 5, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 0, 1],
                3,
            ),
            ((0..2_000).map(|i| (i * 7919) % 1000).collect(), 10),
            ((0..700).map(|i| u32::from(i % 3 == 0)).collect(), 1),
        ];
        // Runs of every length around the group size, after every offset into a group.
        for lead in 0..9 {
            for run in 6..20 {
                let mut v: Vec<u32> = (0..lead).map(|i| i % 5).collect();
                v.extend(std::iter::repeat_n(300, run));
                v.extend([1, 2, 3]);
                cases.push((v, 9));
            }
        }
        for (values, width) in cases {
            let mut out = Vec::new();
            rle_hybrid(&values, width, &mut out);
            assert_eq!(decode(&out, width, values.len()), values, "width {width}");
        }
        // Long runs become RLE runs: 1,000 equal values take 3 bytes.
        let mut out = Vec::new();
        rle_hybrid(&[4u32; 1_000], 3, &mut out);
        assert_eq!(out.len(), 3);
    }
}
