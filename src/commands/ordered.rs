//! A pool of scoped threads whose results are taken in job order by the calling thread,
//! as they come, with few waiting: a job starts only when it is at most `threads` jobs
//! past the last result taken. A result is a flow with full tables, so the memory of a
//! parallel read is that of `threads + 1` of them, not of every job (ADR 18).

use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, PoisonError};

/// The jobs started and the results (or panics) not taken yet.
struct State<T> {
    started: usize,
    taken: usize,
    done: HashMap<usize, std::thread::Result<T>>,
}

/// Ends the workers however the taking thread leaves (a panic in a job or in `take`
/// included): no job starts after it, so none waits for a result that never comes.
struct NoMoreJobs<'a, T> {
    state: &'a Mutex<State<T>>,
    changed: &'a Condvar,
    jobs: usize,
}

impl<T> Drop for NoMoreJobs<'_, T> {
    fn drop(&mut self) {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        st.started = st.started.max(self.jobs);
        drop(st);
        self.changed.notify_all();
    }
}

/// Runs jobs `0..jobs` on up to `threads` threads; `take` gets each result, in job order,
/// on this thread, while later jobs run.
pub fn run<T: Send>(
    threads: usize,
    jobs: usize,
    work: &(dyn Fn(usize) -> T + Sync),
    take: &mut dyn FnMut(usize, T),
) {
    let threads = threads.clamp(1, jobs.max(1));
    let state = Mutex::new(State {
        started: 0,
        taken: 0,
        done: HashMap::new(),
    });
    let changed = Condvar::new();
    let lock = || state.lock().expect("unpoisoned");
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let j = {
                    let mut st = changed
                        .wait_while(lock(), |st| {
                            st.started < jobs && st.started >= st.taken + threads
                        })
                        .expect("unpoisoned");
                    if st.started >= jobs {
                        break;
                    }
                    st.started += 1;
                    st.started - 1
                };
                let out = panic::catch_unwind(AssertUnwindSafe(|| work(j)));
                lock().done.insert(j, out);
                changed.notify_all();
            });
        }
        let _stop = NoMoreJobs {
            state: &state,
            changed: &changed,
            jobs,
        };
        for j in 0..jobs {
            let out = {
                let mut st = changed
                    .wait_while(lock(), |st| !st.done.contains_key(&j))
                    .expect("unpoisoned");
                st.taken = j + 1;
                st.done.remove(&j).expect("just checked")
            };
            changed.notify_all();
            match out {
                Ok(out) => take(j, out),
                Err(p) => panic::resume_unwind(p),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Results come in job order, and no job starts more than `threads` past the last
    /// result taken, however the jobs' lengths differ.
    #[test]
    fn in_order_and_never_far_ahead() {
        for threads in 1..=4 {
            let taken = AtomicUsize::new(0);
            let mut seen = Vec::new();
            run(
                threads,
                40,
                &|j| {
                    let ahead = j - taken.load(Ordering::SeqCst);
                    assert!(ahead <= threads, "job {j} started {ahead} past the taken");
                    std::thread::sleep(std::time::Duration::from_micros((j % 7 * 300) as u64));
                    j * 2
                },
                &mut |j, out| {
                    taken.store(j + 1, Ordering::SeqCst);
                    seen.push((j, out));
                },
            );
            let want: Vec<(usize, usize)> = (0..40).map(|j| (j, j * 2)).collect();
            assert_eq!(seen, want, "{threads} threads");
        }
    }
}
