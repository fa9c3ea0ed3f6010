//! Container framing around PostgreSQL's own lines: Docker's json-file records, CRI log
//! lines, `docker logs --timestamps` and `docker compose logs` prefixes, and the outer
//! framings of `outer` (syslog, journald, platforms, exports). Detected line by line,
//! because one input can mix them (a compose log of several services, say).

use super::json_text::{json_string_end, unescape_json};
use super::outer::{self, glued, journald, kubernetes, syslog, text, Peeled};

/// One physical line of PostgreSQL output with the container's wrapping removed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Framed<'a> {
    pub text: &'a [u8],
    /// The time the container runtime or an outer frame stamped on the line, if one did.
    pub time: Option<&'a [u8]>,
    /// The compose service (`db-1`) or pod the line came from, if it was prefixed with one.
    pub service: Option<&'a [u8]>,
    /// The pid an outer frame names (`postgres[PID]`), for when the prefix has none.
    pub pid: Option<u32>,
    /// The frame says this line continues the previous message (syslog's `[N-2]`).
    pub continues: bool,
    /// The frame says the line is another program's, not the server's.
    pub other_program: bool,
}

impl<'a> Framed<'a> {
    /// A line with no framing at all.
    pub fn plain(text: &'a [u8]) -> Self {
        Framed {
            text,
            ..Framed::default()
        }
    }
}

pub use super::counts::FramingCounts;
pub use super::framings::{rfc3339_len, Framing};

/// Removes framing, joining the chunks Docker and CRI split long lines into.
#[derive(Debug, Default)]
pub struct Unframer {
    /// A json-file or CRI line whose chunks are still arriving (unescaped text so far).
    partial: Vec<u8>,
    /// A line without its colour codes, reused.
    plain: Vec<u8>,
    /// What outer frames rewrite (rsyslog's `#011` escapes, a day-first time), reused.
    scratch: Scratch,
    counts: FramingCounts,
}

impl Unframer {
    pub fn counts(&self) -> &FramingCounts {
        &self.counts
    }

    /// A json-file or CRI line whose chunks are still arriving.
    pub fn carries_state(&self) -> bool {
        !self.partial.is_empty()
    }

    pub fn push(&mut self, line: &[u8], out: &mut dyn FnMut(Framed<'_>)) {
        if line.first() == Some(&b'{') && self.push_json(line, out) {
            return;
        }
        if let Some(json) = kubernetes::name_before_json(line) {
            self.counts.kubernetes += 1;
            return self.push(json, out);
        }
        if let Some((time, full, text)) = cri_line(line) {
            self.counts.cri += 1;
            self.partial.extend_from_slice(text);
            if full {
                let text = std::mem::take(&mut self.partial);
                self.push_inner(&text, Some(time), out);
                self.partial = text;
                self.partial.clear();
            }
            return;
        }
        self.push_inner(line, None, out);
    }

    /// A JSON-wrapped line: Cloud Logging, journald or Docker's json-file. False when it
    /// is none of them (jsonlog, CloudNativePG: the format's own lines).
    fn push_json(&mut self, line: &[u8], out: &mut dyn FnMut(Framed<'_>)) -> bool {
        let start = self.partial.len();
        if let Some((payload, time)) = cloud_logging_payload(line) {
            self.counts.cloud_logging += 1;
            if unescape_json(payload, &mut self.partial) {
                let text = std::mem::take(&mut self.partial);
                let text_part = text[start..].strip_suffix(b"\n").unwrap_or(&text[start..]);
                self.push_inner(text_part, time, out);
                self.partial = text;
                self.partial.truncate(start);
                return true;
            }
            self.partial.truncate(start);
        }
        if let Some(entry) = journald::json_entry(line) {
            self.counts.journald += 1;
            if unescape_json(entry.message, &mut self.partial) {
                let text = std::mem::take(&mut self.partial);
                let (body, continues) = syslog::sequence(&text[start..]);
                out(Framed {
                    pid: entry.pid,
                    continues,
                    other_program: entry.other_program,
                    ..Framed::plain(body)
                });
                self.partial = text;
                self.partial.truncate(start);
                return true;
            }
            self.partial.truncate(start);
        }
        let Some(rec) = json_file_record(line) else {
            return false;
        };
        self.counts.json_file += 1;
        if !unescape_json(rec.log, &mut self.partial) {
            // Not valid JSON text after all: keep the line as it is.
            self.partial.truncate(start);
            self.push_inner(line, None, out);
            return true;
        }
        if self.partial.last() == Some(&b'\n') {
            self.partial.pop();
            let text = std::mem::take(&mut self.partial);
            self.push_inner(trim_cr(&text), Some(rec.time), out);
            self.partial = text;
            self.partial.clear();
        }
        true
    }

    /// A line with a Docker json-file chunk still open at the end of input is not lost.
    pub fn finish(&mut self, out: &mut dyn FnMut(Framed<'_>)) {
        if !self.partial.is_empty() {
            let text = std::mem::take(&mut self.partial);
            self.push_inner(&text, None, out);
        }
    }

    /// The line inside any container framing: a compose or pod prefix, colour codes, an
    /// outer framing or a runtime's time, and terminal padding come off, in that order.
    fn push_inner(&mut self, line: &[u8], time: Option<&[u8]>, out: &mut dyn FnMut(Framed<'_>)) {
        let mut framed = Framed {
            time,
            ..Framed::plain(line)
        };
        if let Some((name, rest)) = compose_prefix(line) {
            if let Some(at) = glued_frame(name, rest) {
                // A paste that lost its newlines: each frame starts a line of its own.
                let split = line.len() - rest.len() + at;
                self.push_inner(&line[..split], time, out);
                return self.push_inner(&line[split..], time, out);
            }
            self.counts.compose += 1;
            framed.service = Some(name);
            framed.text = rest;
        } else if let Some((pod, rest)) = kubernetes::prefix(line) {
            self.counts.kubernetes += 1;
            framed.service = Some(pod);
            framed.text = rest;
        }
        let mut plain = std::mem::take(&mut self.plain);
        let mut scratch = std::mem::take(&mut self.scratch);
        if text::has_ansi(framed.text) {
            self.counts.ansi += 1;
            plain.clear();
            text::strip_ansi(framed.text, &mut plain);
            framed.text = &plain;
        }
        let framed_by_runtime = framed.service.is_some() || framed.time.is_some();
        if let Some((kind, peeled)) = outer::peel(framed.text) {
            self.counts.add(kind);
            framed = apply(kind, framed, peeled, &mut scratch);
        } else if let Some(stamp_len) = rfc3339_len(framed.text) {
            if framed.text.get(stamp_len) == Some(&b' ') {
                self.counts.docker_timestamps += 1;
                framed.time = Some(&framed.text[..stamp_len]);
                framed.text = &framed.text[stamp_len + 1..];
            }
        }
        if !framed_by_runtime && framed.time.is_none() && !framed.other_program {
            self.counts.plain += 1;
        }
        let (trimmed, padded) = text::trim_padding(framed.text);
        self.counts.padded += u64::from(padded);
        framed.text = trimmed;
        out(framed);
        self.plain = plain;
        self.scratch = scratch;
    }
}

/// Buffers for what an outer frame's text or time needs rewritten.
#[derive(Debug, Default)]
struct Scratch {
    decoded: Vec<u8>,
    stamp: Vec<u8>,
}

/// What an outer frame leaves, its pid and time kept as fallbacks.
fn apply<'a>(kind: Framing, framed: Framed<'a>, p: Peeled<'a>, s: &'a mut Scratch) -> Framed<'a> {
    let text = if p.octal_escapes && memchr::memchr(b'#', p.text).is_some() {
        s.decoded.clear();
        syslog::decode_octal(p.text, &mut s.decoded);
        &s.decoded[..]
    } else {
        p.text
    };
    let time = match p.time {
        Some(t) if kind == Framing::GluedTime && glued::iso_time(t, &mut s.stamp) => {
            Some(&s.stamp[..])
        }
        other => other,
    };
    Framed {
        text,
        time: time.or(framed.time),
        service: framed.service,
        pid: p.pid,
        continues: p.continues,
        other_program: p.other_program,
    }
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

struct JsonFileRecord<'a> {
    /// The `log` value, still JSON-escaped.
    log: &'a [u8],
    time: &'a [u8],
}

/// Reads `{"log":"...","stream":"stderr","time":"..."}` as Docker's json-file driver writes
/// it (keys in that order, no spaces). Anything else is not a json-file record.
fn json_file_record(line: &[u8]) -> Option<JsonFileRecord<'_>> {
    let body = line.strip_prefix(br#"{"log":""#)?;
    let end = json_string_end(body)?;
    let log = &body[..end];
    let rest = &body[end + 1..];
    let time_at = memchr::memmem::find(rest, br#""time":""#)? + 8;
    let time_len = memchr::memchr(b'"', &rest[time_at..])?;
    Some(JsonFileRecord {
        log,
        time: &rest[time_at..time_at + time_len],
    })
}

/// The still-escaped `textPayload` of a Google Cloud Logging entry (how Cloud SQL exports
/// PostgreSQL's lines), and the entry's `timestamp`: Cloud SQL's prefix carries no time.
fn cloud_logging_payload(line: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
    let at = memchr::memmem::find(line, br#""textPayload":""#)? + 15;
    let body = &line[at..];
    let end = json_string_end(body)?;
    let time = memchr::memmem::find(line, br#""timestamp":""#).and_then(|t| {
        let value = &line[t + 13..];
        let len = rfc3339_len(value)?;
        (value.get(len) == Some(&b'"')).then(|| &value[..len])
    });
    Some((&body[..end], time))
}

/// A CRI line: `TIME STREAM P|F text` (P: partial, more chunks follow).
fn cri_line(line: &[u8]) -> Option<(&[u8], bool, &[u8])> {
    let t = rfc3339_len(line)?;
    let rest = line.get(t..)?.strip_prefix(b" ")?;
    let rest = rest
        .strip_prefix(b"stderr ")
        .or_else(|| rest.strip_prefix(b"stdout "))?;
    let full = match rest.first()? {
        b'F' => true,
        b'P' => false,
        _ => return None,
    };
    let text = rest
        .get(1..)
        .map_or(&[][..], |r| r.strip_prefix(b" ").unwrap_or(r));
    Some((&line[..t], full, text))
}

/// The bytes of a Compose service name: looked up, as every line's first bytes are
/// (a server's own line starts with its date, `2024-01-02`, which reads as a name).
const SERVICE_NAME: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.');
        b += 1;
    }
    t
};

/// `db-1  | text` (Compose v2) or `db_1  | text` (v1): a service name, padding, a bar.
fn compose_prefix(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let name_len = line[..line.len().min(64)]
        .iter()
        .position(|b| !SERVICE_NAME[usize::from(*b)])?;
    if name_len == 0 {
        return None;
    }
    let after = &line[name_len..];
    let pad = after.iter().take_while(|b| **b == b' ').count();
    if pad == 0 || after.get(pad) != Some(&b'|') {
        return None;
    }
    let rest = &after[pad + 1..];
    Some((&line[..name_len], rest.strip_prefix(b" ").unwrap_or(rest)))
}

/// Where the same service's compose frame (`name  | `) starts again inside a line's text.
fn glued_frame(name: &[u8], text: &[u8]) -> Option<usize> {
    memchr::memmem::find_iter(text, name)
        .find(|&at| compose_prefix(&text[at..]).is_some_and(|(n, _)| n == name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-made framing around hand-made text: these test the unwrapping only.
    fn unframe(lines: &[&[u8]]) -> Vec<(String, Option<String>, Option<String>)> {
        let mut u = Unframer::default();
        let mut out = Vec::new();
        let mut sink = |f: Framed<'_>| {
            out.push((
                String::from_utf8_lossy(f.text).into_owned(),
                f.time.map(|t| String::from_utf8_lossy(t).into_owned()),
                f.service.map(|t| String::from_utf8_lossy(t).into_owned()),
            ))
        };
        for l in lines {
            u.push(l, &mut sink);
        }
        u.finish(&mut sink);
        out
    }

    #[test]
    fn json_file_chunks_join_and_unescape() {
        let out = unframe(&[
            br#"{"log":"abc \"q\" \u00e9","stream":"stderr","time":"2024-01-01T00:00:00.1Z"}"#,
            br#"{"log":"def\n","stream":"stderr","time":"2024-01-01T00:00:00.2Z"}"#,
        ]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0, "abc \"q\" édef");
        assert_eq!(out[0].1.as_deref(), Some("2024-01-01T00:00:00.2Z"));
    }

    #[test]
    fn compose_and_timestamps() {
        let out = unframe(&[
            b"db-1  | 2024-01-01T00:00:00.123456789Z text here",
            b"db_1  |",
        ]);
        assert_eq!(out[0].0, "text here");
        assert_eq!(out[0].2.as_deref(), Some("db-1"));
        assert_eq!(out[0].1.as_deref(), Some("2024-01-01T00:00:00.123456789Z"));
        assert_eq!(out[1].0, "");
    }

    #[test]
    fn compose_frames_glued_on_one_line_split() {
        let out = unframe(&[b"db-1  | first linedb-1  | second line"]);
        let texts: Vec<&str> = out.iter().map(|o| o.0.as_str()).collect();
        assert_eq!(texts, ["first line", "second line"]);
    }

    #[test]
    fn cri_partial_lines_join() {
        let out = unframe(&[
            b"2024-01-01T00:00:00.1+00:00 stderr P abc",
            b"2024-01-01T00:00:00.2+00:00 stderr F def",
        ]);
        assert_eq!(out[0].0, "abcdef");
    }

    /// Lines of the pgBadger fixture pg-syslog.1, one with ANSI colour and padding added
    /// by hand to test their removal.
    #[test]
    fn syslog_chunks_keep_their_tab_and_pid() {
        let mut u = Unframer::default();
        let mut out = Vec::new();
        for line in [
            &b"Feb 11 13:15:40 test-pc postgres[10819]: [7-7] #011FROM pg_catalog.pg_database d"[..],
            b"\x1b[32mFeb 11 13:15:39 test-pc postgres[10808]: [4-1] db=,user=,app=,client= LOG:  database system is ready to accept connections\x1b[0m      ",
        ] {
            u.push(line, &mut |f| {
                out.push((f.text.to_vec(), f.pid, f.continues, f.time.map(<[u8]>::to_vec)))
            });
        }
        assert_eq!(out[0].0, b"\tFROM pg_catalog.pg_database d");
        assert_eq!((out[0].1, out[0].2), (Some(10819), true));
        assert_eq!(
            out[1].0,
            b"db=,user=,app=,client= LOG:  database system is ready to accept connections"
        );
        assert_eq!(out[1].3.as_deref(), Some(&b"Feb 11 13:15:39"[..]));
        assert_eq!(
            (u.counts().syslog, u.counts().ansi, u.counts().padded),
            (2, 1, 1)
        );
    }

    #[test]
    fn postgres_lines_are_not_mistaken_for_framing() {
        let out = unframe(&[b"2024-01-01 00:00:00.000 UTC [1] LOG:  x | y", b"{not json"]);
        assert_eq!(out[0].0, "2024-01-01 00:00:00.000 UTC [1] LOG:  x | y");
        assert_eq!(out[1].0, "{not json");
    }
}
