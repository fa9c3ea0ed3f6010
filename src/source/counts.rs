//! How many lines had each framing, and which framing an input is reported with.

use super::framings::Framing;
use serde::Serialize;

/// Which wrappers were seen, for the report's `inputs[].framing`.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct FramingCounts {
    pub plain: u64,
    pub json_file: u64,
    /// Google Cloud Logging entries (Cloud SQL), the log line in `textPayload`.
    pub cloud_logging: u64,
    pub cri: u64,
    pub compose: u64,
    pub docker_timestamps: u64,
    pub syslog: u64,
    pub journald: u64,
    pub logplex: u64,
    pub fly: u64,
    pub kubernetes: u64,
    pub loki: u64,
    pub glued_time: u64,
    /// Lines that held ANSI colour codes (removed).
    pub ansi: u64,
    /// Lines padded to a terminal's width or closed by a box border (trimmed).
    pub padded: u64,
}

impl FramingCounts {
    /// The wrapper most lines had.
    pub fn dominant(&self) -> Framing {
        let outer = [
            (self.json_file, Framing::DockerJsonFile),
            (self.cloud_logging, Framing::CloudLogging),
            (self.cri, Framing::Cri),
            (self.compose, Framing::Compose),
            (self.docker_timestamps, Framing::DockerTimestamps),
            (self.syslog, Framing::Syslog),
            (self.journald, Framing::Journald),
            (self.logplex, Framing::Logplex),
            (self.fly, Framing::Fly),
            (self.kubernetes, Framing::Kubernetes),
            (self.loki, Framing::Loki),
            (self.glued_time, Framing::GluedTime),
        ];
        outer
            .iter()
            .filter(|(n, _)| *n > 0 && *n * 2 >= self.plain)
            .max_by_key(|(n, _)| *n)
            .map_or(Framing::None, |(_, framing)| *framing)
    }

    /// Adds the counts of another part of the same input (a chunk read apart).
    pub fn merge(&mut self, o: &FramingCounts) {
        let FramingCounts {
            plain,
            json_file,
            cloud_logging,
            cri,
            compose,
            docker_timestamps,
            syslog,
            journald,
            logplex,
            fly,
            kubernetes,
            loki,
            glued_time,
            ansi,
            padded,
        } = o;
        self.plain += plain;
        self.json_file += json_file;
        self.cloud_logging += cloud_logging;
        self.cri += cri;
        self.compose += compose;
        self.docker_timestamps += docker_timestamps;
        self.syslog += syslog;
        self.journald += journald;
        self.logplex += logplex;
        self.fly += fly;
        self.kubernetes += kubernetes;
        self.loki += loki;
        self.glued_time += glued_time;
        self.ansi += ansi;
        self.padded += padded;
    }

    pub(super) fn add(&mut self, framing: Framing) {
        let n = match framing {
            Framing::Syslog => &mut self.syslog,
            Framing::Journald => &mut self.journald,
            Framing::Logplex => &mut self.logplex,
            Framing::Fly => &mut self.fly,
            Framing::Kubernetes => &mut self.kubernetes,
            Framing::Loki => &mut self.loki,
            Framing::GluedTime => &mut self.glued_time,
            Framing::DockerTimestamps => &mut self.docker_timestamps,
            Framing::Compose => &mut self.compose,
            Framing::Cri => &mut self.cri,
            Framing::CloudLogging => &mut self.cloud_logging,
            Framing::DockerJsonFile => &mut self.json_file,
            Framing::None | Framing::DockerApi => &mut self.plain,
        };
        *n += 1;
    }
}
