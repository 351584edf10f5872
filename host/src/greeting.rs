//! The one line `mosaic serve` writes to every client it accepts, defined
//! once for the server ([crate::serve]) and the client ([crate::tcp_transport]).
//!
//! The line comes before any board byte, so the client learns whether it owns
//! the board without guessing from silence. It is ASCII ending in `\n`; a
//! board never speaks unprompted and its replies start with `0xA5`, so the
//! line cannot be confused with board bytes.
//!
//! ```text
//! mosaic-serve ready <what is served>      the board is yours until you disconnect
//! mosaic-serve busy <who has it>           another client owns it; the server closes
//! mosaic-serve unavailable <why>           the server cannot reach its board; it closes
//! ```

/// First word of every greeting.
pub const PREFIX: &str = "mosaic-serve";

/// Longest greeting a client reads before giving up on the peer.
pub const MAX_LEN: usize = 512;

/// What the server tells a new client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Greeting {
    /// The client owns the board; board bytes follow.
    Ready(String),
    /// Another client owns the board.
    Busy(String),
    /// The server has no board to offer (its serial port went away).
    Unavailable(String),
}

impl Greeting {
    fn word(&self) -> &'static str {
        match self {
            Greeting::Ready(_) => "ready",
            Greeting::Busy(_) => "busy",
            Greeting::Unavailable(_) => "unavailable",
        }
    }

    fn text(&self) -> &str {
        match self {
            Greeting::Ready(t) | Greeting::Busy(t) | Greeting::Unavailable(t) => t,
        }
    }

    /// The line on the wire, `\n` included; the text is kept to one line.
    pub fn line(&self) -> String {
        let text: String = self.text().chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        let mut l = format!("{PREFIX} {} {text}", self.word());
        l.truncate(MAX_LEN - 1);
        l.push('\n');
        l
    }

    /// The greeting in `line` (without its `\n`), None if it is not one.
    pub fn parse(line: &str) -> Option<Greeting> {
        let rest = line.strip_prefix(PREFIX)?.strip_prefix(' ')?;
        let (word, text) = rest.split_once(' ').unwrap_or((rest, ""));
        let text = text.trim_end_matches('\r').to_string();
        match word {
            "ready" => Some(Greeting::Ready(text)),
            "busy" => Some(Greeting::Busy(text)),
            "unavailable" => Some(Greeting::Unavailable(text)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_greeting_reads_back() {
        for g in [
            Greeting::Ready("fake board (16 + 2 lanes, osr 4)".into()),
            Greeting::Busy("another client is connected (127.0.0.1:5000, for 3 s)".into()),
            Greeting::Unavailable("".into()),
        ] {
            let l = g.line();
            assert_eq!(l.matches('\n').count(), 1, "{l:?}");
            assert_eq!(Greeting::parse(l.trim_end_matches('\n')), Some(g));
        }
        assert_eq!(Greeting::Busy("a\nb".into()).line(), "mosaic-serve busy a b\n");
        assert_eq!(Greeting::parse("mosaic-serve hello x"), None);
        assert_eq!(Greeting::parse("SSH-2.0-OpenSSH_9.2"), None);
    }
}
