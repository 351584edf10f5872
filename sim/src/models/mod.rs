//! Software reference models, written independently of the gateware (they
//! share only the polynomial tables `PrbsPattern::taps` and
//! `block_format::SCRAMBLER_TAPS`), so comparing the two catches mistakes
//! in either.

pub mod block;
pub mod line;
pub mod parity;
pub mod prbs;
pub mod scrambler;

pub use block::{decode_blocks, find_block_alignment, BlockDecoder, BlockEncoder, DecodedBlock};
pub use line::{bits_from_samples, find_bit_phase, samples_from_bits};
pub use parity::{ParityCode, TooManyErasures};
pub use prbs::{PrbsCheckerModel, PrbsModel};
pub use scrambler::{DescramblerModel, ScramblerModel};
