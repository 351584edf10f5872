//! A transport wrapper that damages traffic on purpose, seeded, so tests can
//! show the client never reports a wrong value over a bad wire.

use crate::transport::Transport;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io;
use std::time::Duration;

/// Probabilities of each impairment, per frame sent or per chunk received.
#[derive(Copy, Clone, Debug, Default)]
pub struct Impairments {
    /// A request never reaches the board.
    pub drop_request: f64,
    /// One byte of a request is changed.
    pub corrupt_request: f64,
    /// A request is cut short (the board must time out the partial frame).
    pub truncate_request: f64,
    /// Random bytes arrive at the board before a request.
    pub garbage_request: f64,
    /// A received chunk is lost.
    pub drop_reply: f64,
    /// One byte of a received chunk is changed.
    pub corrupt_reply: f64,
    /// Random bytes are inserted into the received stream.
    pub garbage_reply: f64,
}

impl Impairments {
    /// Every impairment at probability `p`.
    pub fn all(p: f64) -> Impairments {
        Impairments {
            drop_request: p,
            corrupt_request: p,
            truncate_request: p,
            garbage_request: p,
            drop_reply: p,
            corrupt_reply: p,
            garbage_reply: p,
        }
    }
}

/// What was done, for assertions that the impairments really happened.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct ImpairCounts {
    pub dropped_requests: u64,
    pub corrupted_requests: u64,
    pub truncated_requests: u64,
    pub garbage_requests: u64,
    pub dropped_replies: u64,
    pub corrupted_replies: u64,
    pub garbage_replies: u64,
}

/// `inner` with seeded random damage in both directions.
pub struct ImpairedTransport<T> {
    inner: T,
    imp: Impairments,
    rng: ChaCha8Rng,
    counts: ImpairCounts,
}

impl<T: Transport> ImpairedTransport<T> {
    pub fn new(inner: T, imp: Impairments, seed: u64) -> Self {
        ImpairedTransport { inner, imp, rng: ChaCha8Rng::seed_from_u64(seed), counts: ImpairCounts::default() }
    }
    pub fn counts(&self) -> ImpairCounts {
        self.counts
    }
    fn garbage(&mut self) -> Vec<u8> {
        let n = self.rng.gen_range(1..=12);
        (0..n).map(|_| self.rng.gen()).collect()
    }
    fn flip_one(&mut self, bytes: &mut [u8]) {
        let i = self.rng.gen_range(0..bytes.len());
        bytes[i] ^= self.rng.gen_range(1..=255u8);
    }
}

impl<T: Transport> Transport for ImpairedTransport<T> {
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.rng.gen_bool(self.imp.drop_request) {
            self.counts.dropped_requests += 1;
            return Ok(());
        }
        let mut out = Vec::new();
        if self.rng.gen_bool(self.imp.garbage_request) {
            self.counts.garbage_requests += 1;
            out.extend(self.garbage());
        }
        let mut frame = bytes.to_vec();
        if self.rng.gen_bool(self.imp.corrupt_request) {
            self.counts.corrupted_requests += 1;
            self.flip_one(&mut frame);
        }
        if self.rng.gen_bool(self.imp.truncate_request) && frame.len() > 1 {
            self.counts.truncated_requests += 1;
            let keep = self.rng.gen_range(1..frame.len());
            frame.truncate(keep);
        }
        out.extend(frame);
        self.inner.send(&out)
    }

    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        let n = self.inner.recv(buf, timeout)?;
        if n == 0 {
            return Ok(0);
        }
        if self.rng.gen_bool(self.imp.drop_reply) {
            self.counts.dropped_replies += 1;
            return Ok(0);
        }
        if self.rng.gen_bool(self.imp.corrupt_reply) {
            self.counts.corrupted_replies += 1;
            self.flip_one(&mut buf[..n]);
        }
        if self.rng.gen_bool(self.imp.garbage_reply) && n < buf.len() {
            self.counts.garbage_replies += 1;
            // Insert garbage at a random point of the chunk.
            let g = self.garbage();
            let g = &g[..g.len().min(buf.len() - n)];
            let at = self.rng.gen_range(0..=n);
            buf.copy_within(at..n, at + g.len());
            buf[at..at + g.len()].copy_from_slice(g);
            return Ok(n + g.len());
        }
        Ok(n)
    }
}
