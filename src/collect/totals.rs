//! How many records a run read, and how many of them the catalogue explains.

use super::{Collector, Event, Observation};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub records: u64,
    pub classified: u64,
    /// WARNING, ERROR, FATAL and PANIC records, and those of them an entry explains.
    pub warning_or_worse: u64,
    pub warning_or_worse_classified: u64,
}

impl Collector for Totals {
    type Output = Totals;

    fn observe(&mut self, o: &Observation<'_>) {
        let (record, classified) = match &o.event {
            Event::Finding { record, .. } => (record, true),
            Event::Unclassified { record, .. } | Event::Record { record } => (record, false),
            Event::Context { .. } => return,
        };
        let warning_or_worse = record.level.is_some_and(|l| l.is_warning_or_worse());
        self.records += 1;
        self.classified += u64::from(classified);
        self.warning_or_worse += u64::from(warning_or_worse);
        self.warning_or_worse_classified += u64::from(warning_or_worse && classified);
    }

    fn merge(&mut self, other: Self) {
        self.records += other.records;
        self.classified += other.classified;
        self.warning_or_worse += other.warning_or_worse;
        self.warning_or_worse_classified += other.warning_or_worse_classified;
    }

    fn finish(self) -> Totals {
        self
    }
}
