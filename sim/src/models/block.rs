//! Block-level line model (see `block_format`): a block is a 2-bit sync
//! header (`0,1` data, `1,0` control) then 64 payload bits LSB first,
//! scrambled x^58 + x^39 + 1 across blocks.

use super::scrambler::{DescramblerModel, ScramblerModel};
use mosaic_gateware::phy::block_format::{BLOCK_BITS, SYNC_CTRL, SYNC_DATA};

/// Encodes (ctrl, payload) blocks to line bits.
#[derive(Clone, Debug, Default)]
pub struct BlockEncoder {
    scrambler: ScramblerModel,
}

impl BlockEncoder {
    /// An encoder whose scrambler starts with zero history (as after reset).
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends the 66 line bits of one block to `line`.
    pub fn encode(&mut self, ctrl: bool, data: u64, line: &mut Vec<bool>) {
        let (s0, s1) = if ctrl { SYNC_CTRL } else { SYNC_DATA };
        line.push(s0);
        line.push(s1);
        for i in 0..64 {
            line.push(self.scrambler.bit((data >> i) & 1 == 1));
        }
    }

    /// The line bits of a sequence of blocks.
    pub fn encode_all(&mut self, blocks: &[(bool, u64)]) -> Vec<bool> {
        let mut line = Vec::with_capacity(blocks.len() * BLOCK_BITS);
        for &(c, d) in blocks {
            self.encode(c, d, &mut line);
        }
        line
    }
}

/// One decoded block.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct DecodedBlock {
    /// Control block (sync `1,0`); invalid headers decode as control.
    pub ctrl: bool,
    /// Descrambled payload.
    pub data: u64,
    /// The sync header was `0,1` or `1,0`.
    pub sync_ok: bool,
}

/// Decodes aligned 66-bit blocks.
#[derive(Clone, Debug, Default)]
pub struct BlockDecoder {
    descrambler: DescramblerModel,
}

impl BlockDecoder {
    /// A decoder whose descrambler starts with zero history.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes one block from its 66 line bits.
    pub fn decode(&mut self, bits: &[bool]) -> DecodedBlock {
        assert_eq!(bits.len(), BLOCK_BITS, "a block is {BLOCK_BITS} line bits");
        let header = (bits[0], bits[1]);
        let sync_ok = header == SYNC_DATA || header == SYNC_CTRL;
        let data = bits[2..].iter().enumerate().fold(0u64, |acc, (i, &r)| acc | (self.descrambler.bit(r) as u64) << i);
        DecodedBlock { ctrl: header != SYNC_DATA, data, sync_ok }
    }
}

/// Decodes every whole block of `line` starting at bit `offset`, with a
/// fresh decoder.
pub fn decode_blocks(line: &[bool], offset: usize) -> Vec<DecodedBlock> {
    let mut dec = BlockDecoder::new();
    line.get(offset..).unwrap_or(&[]).chunks_exact(BLOCK_BITS).map(|b| dec.decode(b)).collect()
}

/// The first offset in 0..66 at which every whole block from there on has a
/// valid sync header (at least `min_blocks` of them), if any.
pub fn find_block_alignment(line: &[bool], min_blocks: usize) -> Option<usize> {
    (0..BLOCK_BITS).find(|&off| {
        let blocks: Vec<&[bool]> = line.get(off..).unwrap_or(&[]).chunks_exact(BLOCK_BITS).collect();
        blocks.len() >= min_blocks && blocks.iter().all(|b| b[0] != b[1])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn encode_decode_roundtrip_with_unknown_offset() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let blocks: Vec<(bool, u64)> = (0..40).map(|_| (rng.gen_bool(0.2), rng.gen())).collect();
        let line = BlockEncoder::new().encode_all(&blocks);
        assert_eq!(line.len(), 40 * 66);
        let got = decode_blocks(&line, 0);
        for (g, &(c, d)) in got.iter().zip(&blocks) {
            assert_eq!((g.ctrl, g.data, g.sync_ok), (c, d, true));
        }
        // With 17 junk bits in front, alignment is found and, after the
        // descrambler's 58-bit start-up, blocks decode right.
        let mut shifted: Vec<bool> = (0..17).map(|i| i % 2 == 0).collect();
        shifted.extend(&line);
        assert_eq!(find_block_alignment(&shifted, 20), Some(17));
        let got = decode_blocks(&shifted, 17);
        assert_eq!(got.len(), 40);
        assert_eq!(got[5].data, blocks[5].1);
    }

    #[test]
    fn invalid_header_is_flagged() {
        let mut line = BlockEncoder::new().encode_all(&[(false, 5), (true, 0x1E)]);
        line[66] = false; // control header 1,0 -> 0,0
        let got = decode_blocks(&line, 0);
        assert!(got[0].sync_ok);
        assert!(!got[1].sync_ok && got[1].ctrl);
    }
}
