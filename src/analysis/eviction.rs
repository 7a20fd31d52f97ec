//! When to forget a flow's live tracking state, so that a long capture's finished connections
//! do not pile up in the lookup table.
//!
//! Time is capture time, from packet timestamps (analysis never reads a clock). A sweep walks the
//! live table every [`SWEEP_INTERVAL`] of capture time, and also whenever the table has grown to
//! twice the flows the last sweep could not have dropped by size (captures replayed faster than
//! real time, or with equal timestamps, could otherwise grow it without bound between time sweeps;
//! counting only those flows keeps the table's peak the same however long the capture). What is forgotten is only the
//! tracking state; every flow's compact record stays (see `flow_record`).
//!
//! Trade-off: a packet that arrives for a forgotten flow starts a new flow (a mid-stream one),
//! as in Zeek. The limits below are chosen so that real stacks would have given up by then.

use super::tcp_connection::Progress;
use crate::capture::Timestamp;

const SECOND: i64 = 1_000_000_000;

/// How often, in capture time, the live table is swept.
const SWEEP_INTERVAL: i64 = 10 * SECOND;
/// A size sweep is not worth it below this many live flows. Below 3584 on purpose: a hash table of
/// 8192 buckets (7168 usable) rehashes in place, dropping the marks removed flows leave, as long as
/// it holds at most half that; a few more flows and it would double instead, for good.
const SIZE_SWEEP_FLOOR: usize = 3000;

/// A finished TCP connection (both FINs acknowledged, or reset) is forgotten after this much
/// silence: Linux's TIME-WAIT length, after which its 4-tuple may be reused anyway.
/// Under a size sweep it is forgotten at once.
const FINISHED_LINGER: i64 = 60 * SECOND;
/// A connection still in its handshake: Linux gives up a connect() after 6 SYN retries (127 s).
const OPENING_IDLE: i64 = 130 * SECOND;
/// An open connection silent longer than Linux's default keep-alive would have probed it
/// (7200 s idle, then 9 probes 75 s apart).
const OPEN_IDLE: i64 = (7200 + 9 * 75) * SECOND;
/// A UDP flow (Zeek's `udp_inactivity_timeout`).
const UDP_IDLE: i64 = 60 * SECOND;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Sweep {
    ByTime,
    /// The table doubled: finished connections are dropped regardless of age.
    BySize,
}

/// What a live flow is, as far as forgetting it goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Liveness {
    Tcp(Progress),
    Udp,
}

#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Eviction {
    next_sweep_at: Option<Timestamp>,
    size_threshold: usize,
}

impl Eviction {
    /// Whether a sweep is due now, with `live` flows in the table.
    pub fn due(&mut self, now: Timestamp, live: usize) -> Option<Sweep> {
        let next = *self
            .next_sweep_at
            .get_or_insert(Timestamp(now.0.saturating_add(SWEEP_INTERVAL)));
        if now >= next {
            Some(Sweep::ByTime)
        } else if live >= self.size_threshold.max(SIZE_SWEEP_FLOOR) {
            Some(Sweep::BySize)
        } else {
            None
        }
    }

    /// Records that a sweep ran at `now` and left `lasting` flows that are not finished (those a
    /// size sweep keeps). Twice that many must be live before a size sweep is worth its walk.
    pub fn swept(&mut self, now: Timestamp, lasting: usize) {
        self.next_sweep_at = Some(Timestamp(now.0.saturating_add(SWEEP_INTERVAL)));
        self.size_threshold = lasting.saturating_mul(2);
    }
}

/// Whether a size sweep drops this flow whatever its age.
pub(super) fn finished(liveness: Liveness) -> bool {
    liveness == Liveness::Tcp(Progress::Finished)
}

/// Whether a flow silent since `last_seen` may be forgotten at `now`.
pub(super) fn forget(
    liveness: Liveness,
    last_seen: Timestamp,
    now: Timestamp,
    sweep: Sweep,
) -> bool {
    // A capture whose clock went backwards gives a negative idle time: keep the flow.
    let idle = now.since(last_seen);
    match liveness {
        Liveness::Tcp(Progress::Finished) => sweep == Sweep::BySize || idle >= FINISHED_LINGER,
        Liveness::Tcp(Progress::Opening) => idle >= OPENING_IDLE,
        Liveness::Tcp(Progress::Open) => idle >= OPEN_IDLE,
        Liveness::Udp => idle >= UDP_IDLE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_parts(secs, 0)
    }

    #[test]
    fn sweeps_by_capture_time_and_by_growth() {
        let mut eviction = Eviction::default();
        assert_eq!(eviction.due(at(100), 10), None);
        assert_eq!(eviction.due(at(109), 10), None);
        assert_eq!(eviction.due(at(110), 10), Some(Sweep::ByTime));
        eviction.swept(at(110), 5000);
        assert_eq!(eviction.due(at(111), 9999), None);
        assert_eq!(eviction.due(at(111), 10_000), Some(Sweep::BySize));
        eviction.swept(at(111), 10);
        assert_eq!(
            eviction.due(at(112), SIZE_SWEEP_FLOOR - 1),
            None,
            "small tables wait for the clock"
        );
        assert_eq!(eviction.due(at(112), SIZE_SWEEP_FLOOR), Some(Sweep::BySize));
    }

    #[test]
    fn what_is_forgotten_when() {
        let finished = Liveness::Tcp(Progress::Finished);
        assert!(!forget(finished, at(0), at(59), Sweep::ByTime));
        assert!(forget(finished, at(0), at(60), Sweep::ByTime));
        assert!(forget(finished, at(0), at(0), Sweep::BySize));
        assert!(!forget(
            Liveness::Tcp(Progress::Open),
            at(0),
            at(3600),
            Sweep::BySize
        ));
        assert!(forget(
            Liveness::Tcp(Progress::Open),
            at(0),
            at(7875),
            Sweep::ByTime
        ));
        assert!(forget(
            Liveness::Tcp(Progress::Opening),
            at(0),
            at(130),
            Sweep::ByTime
        ));
        assert!(!forget(Liveness::Udp, at(0), at(59), Sweep::BySize));
        assert!(forget(Liveness::Udp, at(0), at(61), Sweep::ByTime));
        assert!(
            !forget(Liveness::Udp, at(100), at(0), Sweep::ByTime),
            "clock went backwards"
        );
    }
}
