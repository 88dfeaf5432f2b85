//! Article views counted in memory and written a few at a time, so reading an article in the
//! portal never writes to the database.
//!
//! The portal counts a view with [`Store::count_article_view`](super::Store::count_article_view)
//! (a lock and an addition); a periodic task of the server adds the tally to `articles.views`
//! every few seconds in one transaction, and once more when the server stops gracefully. A crash loses at
//! most the views of the last interval; "most read" is a rough order, not an audit.

use std::collections::HashMap;
use std::sync::Mutex;

use uuid::Uuid;

/// Views counted since the last flush, per article.
#[derive(Debug, Default)]
pub struct ViewTally {
    pending: Mutex<HashMap<Uuid, i64>>,
}

impl ViewTally {
    pub fn count(&self, article_id: Uuid) {
        *self.lock().entry(article_id).or_default() += 1;
    }

    /// Everything counted so far, by article id (the order rows are locked in when written),
    /// leaving the tally empty.
    pub fn take(&self) -> Vec<(Uuid, i64)> {
        let mut taken: Vec<_> = std::mem::take(&mut *self.lock()).into_iter().collect();
        taken.sort_unstable();
        taken
    }

    /// Takes everything counted, as [`ViewTally::take`] does; unless marked written, the
    /// counts return to the tally when the result is dropped (a failed or abandoned write).
    pub fn take_until_written(&self) -> Taken<'_> {
        Taken { tally: self, counts: self.take() }
    }

    /// Returns counts taken for a write that failed, to be written with the next ones.
    fn put_back(&self, counts: Vec<(Uuid, i64)>) {
        let mut pending = self.lock();
        for (article_id, views) in counts {
            *pending.entry(article_id).or_default() += views;
        }
    }

    /// Views counted and not yet written, over all articles.
    pub fn pending(&self) -> i64 {
        self.lock().values().sum()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, i64>> {
        // A panic while holding the lock cannot leave the map half-changed: keep counting.
        self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Counts on their way to the database: see [`ViewTally::take_until_written`].
pub struct Taken<'a> {
    tally: &'a ViewTally,
    counts: Vec<(Uuid, i64)>,
}

impl Taken<'_> {
    pub fn counts(&self) -> &[(Uuid, i64)] {
        &self.counts
    }

    /// The counts are stored: they leave the tally for good. Answers how many articles.
    pub fn written(mut self) -> usize {
        std::mem::take(&mut self.counts).len()
    }
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        if !self.counts.is_empty() {
            self.tally.put_back(std::mem::take(&mut self.counts));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_are_summed_per_article_and_taken_once() {
        let tally = ViewTally::default();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        for id in [a, b, a, a] {
            tally.count(id);
        }
        assert_eq!(tally.pending(), 4);
        assert_eq!(tally.take(), vec![(a, 3), (b, 1)]);
        assert!(tally.take().is_empty());
    }

    #[test]
    fn counts_put_back_after_a_failed_write_join_the_new_ones() {
        let tally = ViewTally::default();
        let a = Uuid::now_v7();
        tally.count(a);
        let taken = tally.take();
        tally.count(a);
        tally.put_back(taken);
        assert_eq!(tally.take(), vec![(a, 2)]);
    }

    #[test]
    fn counts_return_unless_marked_written() {
        let tally = ViewTally::default();
        let a = Uuid::now_v7();
        tally.count(a);
        drop(tally.take_until_written());
        assert_eq!(tally.pending(), 1, "an abandoned write keeps the counts");
        assert_eq!(tally.take_until_written().written(), 1);
        assert_eq!(tally.pending(), 0);
    }
}
