//! CRC-32 (IEEE 802.3 / ISO-HDLC, reflected, poly 0xEDB88320) over B bits
//! per clock (B in [STEP_BITS]: 8, 16, 32 or 64), as used by the traffic
//! generator and checker.
//!
//! The update is linear over GF(2): `crc' = A * crc ^ B * data`. The rows of A
//! and B are computed once per width, here, from the bit-serial definition;
//! the same rows give the simulation model ([crc32_update_bits]) and the
//! Verilog (`^(crc & mask) ^ ^(word & mask)` per output bit). Data enter LSB
//! first, so a 64-bit word is its 8 little-endian bytes and the result equals
//! the `crc` crate's `CRC_32_ISO_HDLC` over those bytes (init 0xFFFFFFFF,
//! final XOR); absorbing a word as 64 / B pieces of B bits, lowest first,
//! gives the same CRC as absorbing it whole.
//!
//! Cost: each output bit is a parity of up to 32 + B inputs, so the 64-bit
//! step is ~700 LUT4 and the 8-bit step about a tenth of it.

use rust_hdl::prelude::*;

const POLY: u32 = 0xEDB8_8320;

/// The widths the step can be built for.
pub const STEP_BITS: [usize; 4] = [8, 16, 32, 64];

/// Bit-serial reference: feeds the low `bits` bits of `data`, LSB first.
pub fn crc32_update_serial(mut crc: u32, data: u64, bits: usize) -> u32 {
    for i in 0..bits {
        let fb = (crc ^ (data >> i) as u32) & 1;
        crc >>= 1;
        if fb != 0 {
            crc ^= POLY;
        }
    }
    crc
}

/// Bit-serial reference over a whole 64-bit word.
pub fn crc32_update_word_serial(crc: u32, word: u64) -> u32 {
    crc32_update_serial(crc, word, 64)
}

/// Row masks of a `bits`-wide step: output bit i =
/// parity(crc & rows.0[i]) ^ parity(data & rows.1[i]).
pub type Crc32Rows = ([u32; 32], [u64; 32]);

/// The row masks of the step over `bits` data bits.
pub fn crc32_rows_for(bits: usize) -> Crc32Rows {
    let mut a = [0u32; 32];
    let mut b = [0u64; 32];
    for j in 0..32 {
        let col = crc32_update_serial(1 << j, 0, bits);
        for (i, row) in a.iter_mut().enumerate() {
            if col >> i & 1 != 0 {
                *row |= 1 << j;
            }
        }
    }
    for j in 0..bits {
        let col = crc32_update_serial(0, 1 << j, bits);
        for (i, row) in b.iter_mut().enumerate() {
            if col >> i & 1 != 0 {
                *row |= 1 << j;
            }
        }
    }
    (a, b)
}

/// The row masks of the 64-bit step.
pub fn crc32_rows() -> Crc32Rows {
    crc32_rows_for(64)
}

/// One update through row masks (what the hardware computes); data bits
/// beyond the rows' width have all-zero masks and are ignored.
pub fn crc32_update_bits(crc: u32, data: u64, rows: &Crc32Rows) -> u32 {
    let mut out = 0;
    for i in 0..32 {
        let p = (crc & rows.0[i]).count_ones() + (data & rows.1[i]).count_ones();
        out |= (p & 1) << i;
    }
    out
}

/// One-word update through the 64-bit row masks.
pub fn crc32_update_word(crc: u32, word: u64, rows: &Crc32Rows) -> u32 {
    crc32_update_bits(crc, word, rows)
}

/// Combinational CRC-32 step: `crc_out` = `crc_in` advanced by the low
/// B bits of `word` (B fixed at construction).
#[derive(LogicBlock)]
pub struct Crc32Step {
    /// Running CRC register value (not inverted).
    pub crc_in: Signal<In, Bits<32>>,
    /// The data to absorb: its low B bits (the rest is ignored).
    pub word: Signal<In, Bits<64>>,
    /// The advanced CRC.
    pub crc_out: Signal<Out, Bits<32>>,
    _rows: &'static Crc32Rows,
}

impl Crc32Step {
    /// A step over `bits` data bits per clock, one of [STEP_BITS].
    pub fn new(bits: usize) -> Self {
        assert!(STEP_BITS.contains(&bits), "Crc32Step: bits must be one of {STEP_BITS:?}, not {bits}");
        Self { crc_in: Default::default(), word: Default::default(), crc_out: Default::default(), _rows: rows(bits) }
    }
}

impl Default for Crc32Step {
    /// The 64-bit step: a whole link word per clock.
    fn default() -> Self {
        Self::new(64)
    }
}

/// The row masks of each width, computed once.
fn rows(bits: usize) -> &'static Crc32Rows {
    static ROWS: std::sync::OnceLock<[Crc32Rows; 4]> = std::sync::OnceLock::new();
    let all = ROWS.get_or_init(|| STEP_BITS.map(crc32_rows_for));
    &all[STEP_BITS.iter().position(|&b| b == bits).expect("a width of STEP_BITS")]
}

impl Logic for Crc32Step {
    fn update(&mut self) {
        let crc = self.crc_in.val().to_u64() as u32;
        let word = self.word.val().to_u64();
        self.crc_out.next = (crc32_update_bits(crc, word, self._rows) as u64).into();
    }
    fn connect(&mut self) {
        self.crc_out.connect();
    }
    fn hdl(&self) -> Verilog {
        let mut v = String::from("always @(*) begin\n");
        for i in 0..32 {
            v.push_str(&format!(
                "   crc_out[{i}] = (^(crc_in & 32'h{:08x})) ^ (^(word & 64'h{:016x}));\n",
                self._rows.0[i], self._rows.1[i]
            ));
        }
        v.push_str("end\n");
        Verilog::Custom(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_crc_catalog_over_bytes() {
        // Independent check: the crc-catalog CRC-32 over the same bytes.
        let rows = crc32_rows();
        let words = [0x0123_4567_89AB_CDEFu64, 0, u64::MAX, 0xDEAD_BEEF_0000_0001];
        let mut crc = 0xFFFF_FFFFu32;
        let mut bytes = vec![];
        for w in words {
            crc = crc32_update_word(crc, w, &rows);
            assert_eq!(
                crc,
                crc32_update_word_serial(if bytes.is_empty() { 0xFFFF_FFFF } else { crc32_check_prefix(&bytes) }, w)
            );
            bytes.extend_from_slice(&w.to_le_bytes());
        }
        // The well-known check value of CRC-32/ISO-HDLC is 0xCBF43926 over "123456789";
        // over our bytes compare to a bytewise reference.
        assert_eq!(!crc, crc32_bytes(&bytes));
    }

    fn crc32_check_prefix(bytes: &[u8]) -> u32 {
        !crc32_bytes(bytes)
    }

    fn crc32_bytes(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ POLY } else { crc >> 1 };
            }
        }
        !crc
    }

    #[test]
    fn a_word_in_pieces_of_every_width_gives_the_whole_word_crc() {
        let words = [0x0123_4567_89AB_CDEFu64, 0, u64::MAX, 0xDEAD_BEEF_0000_0001];
        let whole = crc32_rows();
        for bits in STEP_BITS {
            let rows = crc32_rows_for(bits);
            let (mut a, mut b) = (0xFFFF_FFFFu32, 0xFFFF_FFFFu32);
            for w in words {
                a = crc32_update_word(a, w, &whole);
                for k in 0..64 / bits {
                    b = crc32_update_bits(b, w >> (k * bits), &rows);
                }
            }
            assert_eq!(a, b, "B = {bits}");
        }
    }

    #[test]
    fn bytewise_reference_has_the_catalog_check_value() {
        assert_eq!(crc32_bytes(b"123456789"), 0xCBF4_3926);
    }
}
