//! Two judgements tail makes from the order of events, kept free of Docker and of the clock
//! so they can be tested line by line: when a container's server is ready for real, and
//! when an engine OOM event and a backend's SIGKILL are one event.

use std::time::{Duration, Instant};

/// A log line that matters to readiness (the catalogue entry it matched).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// `server.starting`: a postmaster starts, the init phase's temporary one included.
    Starting,
    /// `server.listening-tcp`: it listens on a TCP address.
    ListeningTcp,
    /// `server.ready`: it accepts connections.
    Ready,
}

/// Whether a container's server is ready for real.
///
/// The image's first start runs a temporary, socket-only server for the init scripts, and
/// its "ready" is not the server's: ready means a ready line after a TCP listen since the
/// last start, on the same stream (a server logs to one of stdout and stderr, and the two
/// streams' lines interleave out of order). It is said once per container run.
#[derive(Debug, Default)]
pub struct Readiness {
    tcp_listening: [bool; 2],
    announced: bool,
}

impl Readiness {
    /// Takes a line's signal on `stream` (0 stdout, 1 stderr); true when the server has
    /// just become ready for real.
    pub fn observe(&mut self, stream: usize, signal: Signal) -> bool {
        match signal {
            Signal::Starting => self.tcp_listening[stream] = false,
            Signal::ListeningTcp => self.tcp_listening[stream] = true,
            Signal::Ready if self.tcp_listening[stream] && !self.announced => {
                self.announced = true;
                return true;
            }
            Signal::Ready => {}
        }
        false
    }

    /// The container started again: its new server has to become ready again.
    pub fn restarted(&mut self) {
        *self = Readiness::default();
    }
}

/// How close an OOM event and a `terminated by signal 9` line must be to be one event.
const OOM_CORRELATION: Duration = Duration::from_secs(10);

/// Ties an engine OOM event to a backend's SIGKILL in the log: close together, the kernel's
/// OOM killer chose the backend. Each pair is reported once.
#[derive(Debug, Default)]
pub struct OomCorrelation {
    oom_at: Option<Instant>,
    sigkill_at: Option<Instant>,
}

impl OomCorrelation {
    /// The engine reported an OOM kill at `at`; how far apart it is from the SIGKILL line,
    /// when the two are one event.
    pub fn oom(&mut self, at: Instant) -> Option<Duration> {
        self.oom_at = Some(at);
        self.correlate()
    }

    /// The log said a backend was terminated by signal 9 at `at`.
    pub fn sigkill(&mut self, at: Instant) -> Option<Duration> {
        self.sigkill_at = Some(at);
        self.correlate()
    }

    fn correlate(&mut self) -> Option<Duration> {
        let (oom, kill) = (self.oom_at?, self.sigkill_at?);
        let apart = if oom > kill { oom - kill } else { kill - oom };
        if apart > OOM_CORRELATION {
            return None;
        }
        *self = OomCorrelation::default();
        Some(apart)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Signal::*;

    #[test]
    fn the_init_phase_servers_ready_line_does_not_count() {
        let mut r = Readiness::default();
        // docker-entrypoint.sh: a temporary server on the socket only.
        assert!(!r.observe(1, Starting));
        assert!(!r.observe(1, Ready));
        // The real server.
        assert!(!r.observe(1, Starting));
        assert!(!r.observe(1, ListeningTcp));
        assert!(r.observe(1, Ready));
    }

    #[test]
    fn ready_after_a_tcp_listen_counts_once() {
        let mut r = Readiness::default();
        assert!(!r.observe(0, ListeningTcp));
        assert!(r.observe(0, Ready));
        assert!(!r.observe(0, Ready));
        assert!(!r.observe(0, Starting));
        assert!(!r.observe(0, ListeningTcp));
        assert!(!r.observe(0, Ready));
    }

    #[test]
    fn a_restart_resets_readiness() {
        let mut r = Readiness::default();
        r.observe(1, ListeningTcp);
        assert!(r.observe(1, Ready));
        r.restarted();
        assert!(!r.observe(1, Ready));
        r.observe(1, ListeningTcp);
        assert!(r.observe(1, Ready));
    }

    #[test]
    fn each_stream_has_its_own_listen() {
        let mut r = Readiness::default();
        r.observe(0, ListeningTcp);
        assert!(!r.observe(1, Ready));
        r.observe(1, ListeningTcp);
        r.observe(0, Starting);
        assert!(r.observe(1, Ready));
    }

    #[test]
    fn an_oom_event_and_a_sigkill_within_ten_seconds_are_one_event() {
        let t0 = Instant::now();
        let mut c = OomCorrelation::default();
        assert_eq!(c.sigkill(t0), None);
        assert_eq!(
            c.oom(t0 + Duration::from_secs(3)),
            Some(Duration::from_secs(3))
        );
        // Said once: the pair is used up.
        assert_eq!(c.oom(t0 + Duration::from_secs(4)), None);

        let mut c = OomCorrelation::default();
        assert_eq!(c.oom(t0 + Duration::from_secs(2)), None);
        assert_eq!(c.sigkill(t0), Some(Duration::from_secs(2)));
    }

    #[test]
    fn an_oom_event_and_a_sigkill_further_apart_are_two_events() {
        let t0 = Instant::now();
        let mut c = OomCorrelation::default();
        assert_eq!(c.oom(t0), None);
        assert_eq!(c.sigkill(t0 + Duration::from_secs(11)), None);
        // A later OOM event close to that SIGKILL does pair with it.
        assert_eq!(
            c.oom(t0 + Duration::from_secs(12)),
            Some(Duration::from_secs(1))
        );
    }
}
