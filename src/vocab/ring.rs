//! A bounded, id-ordered store: the one mechanism behind captured emails and the request
//! journal. Full means the oldest entry goes and `evicted` counts it.

use std::collections::VecDeque;

/// Something stored under an id that only grows.
pub(crate) trait Keyed {
    fn key(&self) -> u64;
}

impl<T: Keyed> Keyed for std::sync::Arc<T> {
    fn key(&self) -> u64 {
        T::key(self)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Ring<T> {
    items: VecDeque<T>,
    capacity: usize,
    evicted: u64,
    next_id: u64,
}

impl<T: Keyed + Clone> Ring<T> {
    pub(crate) fn new(capacity: usize) -> Self {
        Ring {
            items: VecDeque::new(),
            capacity: capacity.max(1),
            evicted: 0,
            next_id: 0,
        }
    }

    /// The next id; ids count up from 1 and are never reused, not even after `clear`.
    pub(crate) fn allocate_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Stores `item`, dropping the oldest when full; returns what was dropped.
    pub(crate) fn push(&mut self, item: T) -> Option<T> {
        let dropped = if self.items.len() >= self.capacity {
            self.pop_oldest()
        } else {
            None
        };
        self.items.push_back(item);
        dropped
    }

    /// Drops the oldest item (counted as evicted), for stores bounded by more than a count.
    pub(crate) fn pop_oldest(&mut self) -> Option<T> {
        let dropped = self.items.pop_front();
        if dropped.is_some() {
            self.evicted += 1;
        }
        dropped
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Empties the store and the eviction count; ids keep counting.
    pub(crate) fn clear(&mut self) {
        self.items.clear();
        self.evicted = 0;
    }

    /// The newest id handed out (0 before the first).
    pub(crate) fn last_id(&self) -> u64 {
        self.next_id
    }

    pub(crate) fn evicted(&self) -> u64 {
        self.evicted
    }

    pub(crate) fn get(&self, id: u64) -> Option<&T> {
        // Ids are increasing, so a binary search finds the entry.
        let index = self.items.partition_point(|item| item.key() < id);
        self.items.get(index).filter(|item| item.key() == id)
    }

    #[cfg(feature = "smtp")]
    pub(crate) fn get_mut(&mut self, id: u64) -> Option<&mut T> {
        let index = self.items.partition_point(|item| item.key() < id);
        self.items.get_mut(index).filter(|item| item.key() == id)
    }

    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.items.iter()
    }

    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.items.iter_mut()
    }

    /// Oldest first: entries after `after_id` that satisfy `keep`, at most `limit` of them, and
    /// how many matched before the limit.
    pub(crate) fn page(
        &self,
        keep: impl Fn(&T) -> bool,
        after_id: Option<u64>,
        limit: Option<usize>,
    ) -> (usize, Vec<T>) {
        let after = after_id.unwrap_or(0);
        let matching = self
            .items
            .iter()
            .filter(|item| item.key() > after && keep(item));
        let total = matching.clone().count();
        let page = matching
            .take(limit.unwrap_or(usize::MAX))
            .cloned()
            .collect();
        (total, page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Keyed for u64 {
        fn key(&self) -> u64 {
            *self
        }
    }

    #[test]
    fn evicts_the_oldest_counts_them_and_never_reuses_ids() {
        let mut ring = Ring::new(3);
        for _ in 0..5 {
            let id = ring.allocate_id();
            ring.push(id);
        }
        assert_eq!(ring.iter().copied().collect::<Vec<_>>(), [3, 4, 5]);
        assert_eq!(ring.evicted(), 2);
        assert_eq!(ring.get(4), Some(&4));
        assert_eq!(ring.get(1), None);
        ring.clear();
        assert_eq!((ring.evicted(), ring.allocate_id()), (0, 6));
    }

    #[test]
    fn pages_by_cursor_and_counts_matches_before_the_limit() {
        let mut ring = Ring::new(10);
        for _ in 0..8 {
            let id = ring.allocate_id();
            ring.push(id);
        }
        let (total, page) = ring.page(|id| id % 2 == 0, Some(2), Some(2));
        assert_eq!((total, page), (3, vec![4, 6]));
    }
}
