//! One followed container's log: its stdout and stderr as two streams of the analyze
//! pipeline, cut from the engine's `--timestamps` frames without the repeats a re-attach
//! brings, and handed to the container's recorder.

use super::recorder::Recorder;
use super::Ctx;
use crate::docker::frames::Frames;
use crate::pipeline::LogStream;
use crate::report::{InputSummary, Source};
use crate::source::framing::Framing;
use crate::source::Compression;
use bollard::container::LogOutput;
use std::sync::Arc;

/// One container's log, as two streams (stdout, stderr) of the same pipeline.
pub struct ContainerLog {
    streams: [LogStream; 2],
    pub frames: Frames,
    pub recorder: Recorder,
}

impl ContainerLog {
    pub fn new(ctx: Arc<Ctx>, name: String) -> ContainerLog {
        let stream = || LogStream::new(ctx.prefix.clone());
        ContainerLog {
            streams: [stream(), stream()],
            frames: Frames::default(),
            recorder: Recorder::new(ctx.clone(), name),
        }
    }

    /// A frame of the engine's log stream; a TTY merges both streams into one.
    pub fn output(&mut self, out: LogOutput, tty: bool) {
        match out {
            LogOutput::StdOut { message } => self.frame(0, &message),
            LogOutput::StdErr { message } => self.frame(1, &message),
            LogOutput::Console { message } => self.frame(usize::from(!tty), &message),
            LogOutput::StdIn { .. } => {}
        }
    }

    fn frame(&mut self, stream: usize, bytes: &[u8]) {
        let ContainerLog {
            streams,
            frames,
            recorder,
        } = self;
        let lines = frames.split(stream, bytes, &mut |chunk| {
            streams[stream].feed(chunk, &mut |r| recorder.record(stream, r))
        });
        recorder.count_lines(lines);
    }

    /// Hands out held records: on a pause, or when the stream ends.
    pub fn flush(&mut self) {
        let recorder = &mut self.recorder;
        for (stream, s) in self.streams.iter_mut().enumerate() {
            s.flush(&mut |r| recorder.record(stream, r));
        }
    }

    pub fn summary(mut self) -> InputSummary {
        let recorder = &mut self.recorder;
        for (stream, s) in self.streams.iter_mut().enumerate() {
            s.finish(&mut |r| recorder.record(stream, r));
        }
        let [out, err] = &self.streams;
        InputSummary::of(
            Source::Docker,
            self.recorder.name.clone(),
            Framing::DockerApi,
            Compression::None,
            &[err, out],
        )
    }
}
