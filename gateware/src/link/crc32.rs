//! CRC-32 (IEEE 802.3 / ISO-HDLC, reflected, poly 0xEDB88320) over one
//! 64-bit word per clock, as used by the traffic generator and checker.
//!
//! The update is linear over GF(2): `crc' = A * crc ^ B * word`. The rows of A
//! and B are computed once, here, from the bit-serial definition; the same
//! rows give the simulation model ([crc32_update_word]) and the Verilog
//! (`^(crc & mask) ^ ^(word & mask)` per output bit). Words enter LSB first,
//! i.e. as their 8 little-endian bytes, so the result equals the `crc`
//! crate's `CRC_32_ISO_HDLC` over those bytes (init 0xFFFFFFFF, final XOR).

use rust_hdl::prelude::*;

const POLY: u32 = 0xEDB8_8320;

/// Bit-serial reference: feeds the 64 bits of `word`, LSB first.
pub fn crc32_update_word_serial(mut crc: u32, word: u64) -> u32 {
    for i in 0..64 {
        let fb = (crc ^ (word >> i) as u32) & 1;
        crc >>= 1;
        if fb != 0 {
            crc ^= POLY;
        }
    }
    crc
}

/// Row masks: output bit i = parity(crc & rows.0[i]) ^ parity(word & rows.1[i]).
pub fn crc32_rows() -> ([u32; 32], [u64; 32]) {
    let mut a = [0u32; 32];
    let mut b = [0u64; 32];
    for j in 0..32 {
        let col = crc32_update_word_serial(1 << j, 0);
        for (i, row) in a.iter_mut().enumerate() {
            if col >> i & 1 != 0 {
                *row |= 1 << j;
            }
        }
    }
    for j in 0..64 {
        let col = crc32_update_word_serial(0, 1 << j);
        for (i, row) in b.iter_mut().enumerate() {
            if col >> i & 1 != 0 {
                *row |= 1 << j;
            }
        }
    }
    (a, b)
}

/// One-word update through the row masks (what the hardware computes).
pub fn crc32_update_word(crc: u32, word: u64, rows: &([u32; 32], [u64; 32])) -> u32 {
    let mut out = 0;
    for i in 0..32 {
        let p = (crc & rows.0[i]).count_ones() + (word & rows.1[i]).count_ones();
        out |= (p & 1) << i;
    }
    out
}

/// Combinational CRC-32 step: `crc_out` = `crc_in` advanced by `word`.
#[derive(LogicBlock, Default)]
pub struct Crc32Step {
    /// Running CRC register value (not inverted).
    pub crc_in: Signal<In, Bits<32>>,
    /// The 64-bit word to absorb.
    pub word: Signal<In, Bits<64>>,
    /// The advanced CRC.
    pub crc_out: Signal<Out, Bits<32>>,
}

fn rows() -> &'static ([u32; 32], [u64; 32]) {
    static ROWS: std::sync::OnceLock<([u32; 32], [u64; 32])> = std::sync::OnceLock::new();
    ROWS.get_or_init(crc32_rows)
}

impl Logic for Crc32Step {
    fn update(&mut self) {
        let crc = self.crc_in.val().to_u64() as u32;
        let word = self.word.val().to_u64();
        self.crc_out.next = (crc32_update_word(crc, word, rows()) as u64).into();
    }
    fn connect(&mut self) {
        self.crc_out.connect();
    }
    fn hdl(&self) -> Verilog {
        let rows = rows();
        let mut v = String::from("always @(*) begin\n");
        for i in 0..32 {
            v.push_str(&format!(
                "   crc_out[{i}] = (^(crc_in & 32'h{:08x})) ^ (^(word & 64'h{:016x}));\n",
                rows.0[i], rows.1[i]
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
    fn bytewise_reference_has_the_catalog_check_value() {
        assert_eq!(crc32_bytes(b"123456789"), 0xCBF4_3926);
    }
}
