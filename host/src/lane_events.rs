//! What changed between two lane snapshots: events for the dashboard's log
//! and counter rates.
//!
//! The board keeps no event history, so events are inferred: a lock bit that
//! went from 1 to 0, a counter that went up, a TX map entry that moved.
//! Several changes between two reads show as one event each, in a fixed
//! order (link, lanes by index, counters, map), so a log is reproducible.
//! Counters cleared between the reads (`counters --clear`) go down; that is
//! no event and a rate of 0, never a wrapped huge number.

use crate::lane_view::LinkView;
use std::fmt;

/// One inferred change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    LinkUp,
    LinkDown,
    /// A physical lane lost block lock.
    LockLost {
        lane: usize,
    },
    /// A physical lane (re)gained block lock.
    LockGained {
        lane: usize,
    },
    /// A lane kept block lock but lost marker lock.
    MarkerLost {
        lane: usize,
    },
    /// REALIGNS went up by `count`.
    Realigned {
        count: u32,
    },
    /// FAILOVERS went up by `count`.
    Failover {
        count: u32,
    },
    /// TX_MAP moved a logical lane to another physical lane.
    Moved {
        logical: usize,
        from: u32,
        to: u32,
    },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::LinkUp => write!(f, "link up"),
            Event::LinkDown => write!(f, "link DOWN"),
            Event::LockLost { lane } => write!(f, "lane {lane}: block lock lost"),
            Event::LockGained { lane } => write!(f, "lane {lane}: block lock"),
            Event::MarkerLost { lane } => write!(f, "lane {lane}: marker lock lost"),
            Event::Realigned { count } => write!(f, "realign x{count}"),
            Event::Failover { count } => write!(f, "failover x{count}"),
            Event::Moved { logical, from, to } => write!(f, "logical lane {logical}: physical {from} -> {to}"),
        }
    }
}

/// The events between `prev` and `next` (snapshots of the same board).
pub fn events(prev: &LinkView, next: &LinkView) -> Vec<Event> {
    let mut ev = Vec::new();
    // BERT mode has no link to go up or down.
    if !next.bert && prev.link_up != next.link_up {
        ev.push(if next.link_up { Event::LinkUp } else { Event::LinkDown });
    }
    for (a, b) in prev.lanes.iter().zip(&next.lanes) {
        match (a.block_lock, b.block_lock) {
            (true, false) => ev.push(Event::LockLost { lane: b.lane }),
            (false, true) => ev.push(Event::LockGained { lane: b.lane }),
            // Only a lane that kept block lock: one that lost both is one event.
            (true, true) if a.marker_lock && !b.marker_lock => ev.push(Event::MarkerLost { lane: b.lane }),
            _ => {}
        }
    }
    if next.realigns > prev.realigns {
        ev.push(Event::Realigned { count: next.realigns - prev.realigns });
    }
    if next.failovers > prev.failovers {
        ev.push(Event::Failover { count: next.failovers - prev.failovers });
    }
    for (logical, (&from, &to)) in prev.tx_map.iter().zip(&next.tx_map).enumerate() {
        if from != to {
            ev.push(Event::Moved { logical, from, to });
        }
    }
    ev
}

/// Counter increments per second between two snapshots.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct Rates {
    /// Block times per second (the link clock, seen through UPTIME_BLOCKS).
    pub blocks: f64,
    pub rx_gaps: f64,
    pub realigns: f64,
    /// Summed over the lanes.
    pub sync_errors: f64,
    pub bip_errors: f64,
    pub prbs_errors: f64,
    pub bad_markers: f64,
}

/// The rates between `prev` and `next`, `seconds` apart (0 for none).
pub fn rates(prev: &LinkView, next: &LinkView, seconds: f64) -> Rates {
    if seconds <= 0.0 {
        return Rates::default();
    }
    let d = |a: u64, b: u64| b.saturating_sub(a) as f64 / seconds;
    let sum =
        |f: fn(&crate::lane_view::LaneView) -> u32, v: &LinkView| v.lanes.iter().map(|l| f(l) as u64).sum::<u64>();
    let lanes = |f: fn(&crate::lane_view::LaneView) -> u32| d(sum(f, prev), sum(f, next));
    Rates {
        blocks: d(prev.uptime_blocks, next.uptime_blocks),
        rx_gaps: d(prev.rx_gaps as u64, next.rx_gaps as u64),
        realigns: d(prev.realigns as u64, next.realigns as u64),
        sync_errors: lanes(|l| l.sync_errors),
        bip_errors: lanes(|l| l.bip_errors),
        prbs_errors: lanes(|l| l.prbs_errors),
        bad_markers: lanes(|l| l.bad_markers),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lane_view::LaneView;

    fn view(locks: &[(bool, bool)]) -> LinkView {
        LinkView {
            link_up: true,
            tx_map: vec![0, 1, 2],
            lanes: locks
                .iter()
                .enumerate()
                .map(|(lane, &(block_lock, marker_lock))| LaneView {
                    lane,
                    block_lock,
                    marker_lock,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn failover_between_two_snapshots() {
        let a = view(&[(true, true), (true, true), (true, true), (true, true)]);
        let mut b = view(&[(true, true), (false, false), (true, false), (true, true)]);
        b.failovers = 1;
        b.realigns = 2;
        b.tx_map = vec![0, 3, 2];
        b.link_up = false;
        let text: Vec<String> = events(&a, &b).iter().map(|e| e.to_string()).collect();
        assert_eq!(
            text,
            [
                "link DOWN",
                "lane 1: block lock lost",
                "lane 2: marker lock lost",
                "realign x2",
                "failover x1",
                "logical lane 1: physical 1 -> 3"
            ]
        );
        assert!(events(&b, &b).is_empty());
    }

    #[test]
    fn cleared_counters_are_no_event_and_no_rate() {
        let mut a = view(&[(true, true)]);
        a.realigns = 5;
        a.lanes[0].bip_errors = 100;
        let mut b = a.clone();
        b.realigns = 0;
        b.lanes[0].bip_errors = 0;
        b.uptime_blocks = 500;
        assert!(events(&a, &b).is_empty());
        let r = rates(&a, &b, 0.5);
        assert_eq!((r.realigns, r.bip_errors, r.blocks), (0.0, 0.0, 1000.0));
    }
}
