//! The RFC 793 states one side passed through, in order, each at most once, stored inline.

use super::state::TcpState;

/// There are 11 states, and each is recorded at most once, so 11 slots always suffice.
const SLOTS: usize = 11;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct StatePath {
    states: [Option<TcpState>; SLOTS],
    len: u8,
}

impl StatePath {
    /// Appends `state` unless it is already on the path (a side never truly returns to a state
    /// within one connection; a repeat would only come from an odd capture).
    pub fn record(&mut self, state: TcpState) {
        // Most packets leave a side where it was: the last state answers without a walk.
        if self.last() == Some(state) || self.iter().any(|seen| seen == state) {
            return;
        }
        if let Some(slot) = self.states.get_mut(self.len as usize) {
            *slot = Some(state);
            self.len += 1;
        }
    }

    pub fn last(&self) -> Option<TcpState> {
        let last = usize::from(self.len).checked_sub(1)?;
        self.states.get(last).copied().flatten()
    }

    /// Rewrites the last state when a later packet proves it was never entered.
    pub fn replace_last(&mut self, state: TcpState) {
        if self.len > 0 {
            self.len -= 1;
            self.states[self.len as usize] = None;
        }
        self.record(state);
    }

    pub fn iter(&self) -> impl Iterator<Item = TcpState> + '_ {
        self.states[..self.len as usize].iter().flatten().copied()
    }

    pub fn to_vec(self) -> Vec<TcpState> {
        self.iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_in_order_without_repeats() {
        let mut path = StatePath::default();
        for state in [
            TcpState::SynSent,
            TcpState::SynSent,
            TcpState::Established,
            TcpState::CloseWait,
            TcpState::Established,
        ] {
            path.record(state);
        }
        assert_eq!(
            path.to_vec(),
            [
                TcpState::SynSent,
                TcpState::Established,
                TcpState::CloseWait
            ]
        );
        path.replace_last(TcpState::FinWait1);
        assert_eq!(path.last(), Some(TcpState::FinWait1));
        assert_eq!(path.to_vec().len(), 3);
    }

    #[test]
    fn holds_every_state_once() {
        let all = TcpState::ALL;
        let mut path = StatePath::default();
        for state in all {
            path.record(state);
        }
        assert_eq!(path.to_vec(), all);
        path.replace_last(TcpState::Closed);
        assert_eq!(
            path.to_vec().len(),
            10,
            "replacing with a state already seen drops the last"
        );
        assert_eq!(StatePath::default().last(), None);
    }
}
