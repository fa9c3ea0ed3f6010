//! The names of the framings an input can have, and the time format several of them open
//! with. Below both the framing reader and each outer framing, which all name them.

crate::report_names! {
    /// The framing an input had, as the report's `inputs[].framing` names it.
    pub enum Framing {
        None = "none",
        DockerJsonFile = "docker-json-file",
        Compose = "compose",
        DockerTimestamps = "docker-timestamps",
        Cri = "cri",
        /// Google Cloud Logging entries (Cloud SQL exports), the line in `textPayload`.
        CloudLogging = "cloud-logging",
        /// Read from the Docker Engine's API by `tail`, which removes the framing itself.
        DockerApi = "docker-api",
        /// syslog, RFC 3164 or RFC 5424 (also `journalctl`'s default short output).
        Syslog = "syslog",
        /// `journalctl -o short-iso` or `-o json`.
        Journald = "journald",
        /// Heroku's logplex (`app[postgres.N]: [COLOR] [N-1]`).
        Logplex = "logplex",
        /// fly.io's `fly logs`.
        Fly = "fly",
        /// `kubectl logs --prefix` (`[pod/NAME/CONTAINER]`).
        Kubernetes = "kubernetes",
        /// Grafana's download of a Loki query (`TIME<TAB>line`).
        Loki = "loki",
        /// A viewer's time glued to the level (Rancher, Portainer).
        GluedTime = "glued-time",
    }
}

/// The length of an RFC 3339 time at the start of `s` (`2024-01-02T03:04:05.123456789Z`).
pub fn rfc3339_len(s: &[u8]) -> Option<usize> {
    if s.len() < 20 || s[10] != b'T' || s[4] != b'-' || s[13] != b':' {
        return None;
    }
    if !s[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut i = 19;
    if s[i] == b'.' {
        i += 1;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    match s.get(i)? {
        b'Z' => Some(i + 1),
        b'+' | b'-' if s.get(i + 3) == Some(&b':') => Some(i + 6),
        _ => None,
    }
}
