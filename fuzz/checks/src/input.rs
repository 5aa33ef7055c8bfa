//! The framing of fuzz inputs: a cursor that never fails.
//!
//! Every input is meaningful: a read past the end yields zeros (or fewer bytes), so the fuzzer
//! never wastes an execution on an input that "does not parse". Each target's layout is
//! documented on its check function, and has an encoder so that seeds (and tests) are written
//! as values, not as hand-made bytes.

use std::vec::Vec;

/// Reads a fuzz input front to back.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) const fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// The next byte, or 0 past the end.
    pub(crate) fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((first, rest)) => {
                self.data = rest;
                *first
            }
            None => 0,
        }
    }

    /// The next two bytes as a little-endian `u16` (missing bytes are 0).
    pub(crate) fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    /// Up to `len` bytes (fewer at the end of the input).
    pub(crate) fn bytes(&mut self, len: usize) -> &'a [u8] {
        let (taken, rest) = self.data.split_at(len.min(self.data.len()));
        self.data = rest;
        taken
    }

    /// A byte string framed by a one-byte length.
    pub(crate) fn short_bytes(&mut self) -> &'a [u8] {
        let len = self.u8();
        self.bytes(usize::from(len))
    }

    /// Everything left.
    pub(crate) fn rest(self) -> &'a [u8] {
        self.data
    }
}

/// Writes what [`Reader`] reads.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    data: Vec<u8>,
}

impl Writer {
    pub(crate) fn u8(&mut self, byte: u8) -> &mut Self {
        self.data.push(byte);
        self
    }

    pub(crate) fn u16(&mut self, value: u16) -> &mut Self {
        self.data.extend_from_slice(&value.to_le_bytes());
        self
    }

    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.data.extend_from_slice(bytes);
        self
    }

    /// A byte string framed by a one-byte length.
    ///
    /// # Panics
    ///
    /// When `bytes` is longer than 255: only short strings are framed this way.
    pub(crate) fn short_bytes(&mut self, bytes: &[u8]) -> &mut Self {
        let len = u8::try_from(bytes.len()).expect("a short byte string has at most 255 bytes");
        self.u8(len).bytes(bytes)
    }

    pub(crate) fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.data)
    }
}

/// Splits `body` at `points` (each taken modulo `body.len() + 1`), in order: the chunks a
/// streaming verification is fed. Empty chunks are kept (an adapter may see them).
pub(crate) fn chunks<'a>(body: &'a [u8], points: &[u16]) -> Vec<&'a [u8]> {
    let mut cuts: Vec<usize> = points
        .iter()
        .map(|point| usize::from(*point) % (body.len() + 1))
        .collect();
    cuts.push(0);
    cuts.push(body.len());
    cuts.sort_unstable();
    cuts.windows(2).map(|cut| &body[cut[0]..cut[1]]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_was_written_and_zeros_past_the_end() {
        let data = Writer::default()
            .u8(7)
            .u16(0x1234)
            .short_bytes(b"abc")
            .bytes(b"rest")
            .finish();
        let mut reader = Reader::new(&data);
        assert_eq!(reader.u8(), 7);
        assert_eq!(reader.u16(), 0x1234);
        assert_eq!(reader.short_bytes(), b"abc");
        assert_eq!(reader.clone().rest(), b"rest");
        assert_eq!(reader.bytes(10), b"rest");
        assert_eq!((reader.u8(), reader.u16()), (0, 0));
        assert_eq!(reader.short_bytes(), b"");
    }

    #[test]
    fn chunks_cover_the_body_in_order() {
        let body = b"0123456789";
        let pieces = chunks(body, &[7, 3, 3, 40]);
        assert_eq!(pieces.concat(), body);
        assert_eq!(pieces, [&b"012"[..], b"", b"3456", b"", b"789"]);
        assert_eq!(chunks(b"", &[5]), [&b""[..], b""]);
    }
}
