//! Results that finish in any order (parallel gradings), handed on in the order they were started, so
//! the batch's progress lines come out the same on every run.

use std::collections::BTreeMap;

pub struct InOrder<T> {
    next: usize,
    waiting: BTreeMap<usize, T>,
}

impl<T> Default for InOrder<T> {
    fn default() -> Self {
        InOrder {
            next: 0,
            waiting: BTreeMap::new(),
        }
    }
}

impl<T> InOrder<T> {
    /// Adds result number `index` (from 0); returns every result now due, in order: none while an
    /// earlier one is still missing.
    pub fn add(&mut self, index: usize, value: T) -> Vec<T> {
        self.waiting.insert(index, value);
        let mut due = Vec::new();
        while let Some(value) = self.waiting.remove(&self.next) {
            due.push(value);
            self.next += 1;
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_held_until_every_earlier_one_is_in() {
        let mut order = InOrder::default();
        assert_eq!(order.add(1, "b"), Vec::<&str>::new());
        assert_eq!(order.add(2, "c"), Vec::<&str>::new());
        assert_eq!(order.add(0, "a"), ["a", "b", "c"]);
        assert_eq!(order.add(4, "e"), Vec::<&str>::new());
        assert_eq!(order.add(3, "d"), ["d", "e"]);
    }
}
