//! Container framing around PostgreSQL's own lines: Docker's json-file records, CRI log
//! lines, `docker logs --timestamps` and `docker compose logs` prefixes. Detected line by
//! line, because one input can mix them (a compose log of several services, say).

use serde::Serialize;

/// One physical line of PostgreSQL output with the container's wrapping removed.
#[derive(Debug, Clone, Copy)]
pub struct Framed<'a> {
    pub text: &'a [u8],
    /// The time the container runtime stamped on the line, if it did.
    pub time: Option<&'a [u8]>,
    /// The compose service the line came from (`db-1`), if it was prefixed with one.
    pub service: Option<&'a [u8]>,
}

crate::report_names! {
    /// The container framing an input had, as the report's `inputs[].framing` names it.
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
    }
}

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
        ];
        outer
            .iter()
            .filter(|(n, _)| *n > 0 && *n * 2 >= self.plain)
            .max_by_key(|(n, _)| *n)
            .map_or(Framing::None, |(_, framing)| *framing)
    }
}

/// Removes framing, joining the chunks Docker and CRI split long lines into.
#[derive(Debug, Default)]
pub struct Unframer {
    /// A json-file or CRI line whose chunks are still arriving (unescaped text so far).
    partial: Vec<u8>,
    counts: FramingCounts,
}

impl Unframer {
    pub fn counts(&self) -> &FramingCounts {
        &self.counts
    }

    pub fn push(&mut self, line: &[u8], out: &mut dyn FnMut(Framed<'_>)) {
        if line.first() == Some(&b'{') {
            if let Some(payload) = cloud_logging_payload(line) {
                self.counts.cloud_logging += 1;
                let start = self.partial.len();
                if unescape_json(payload, &mut self.partial) {
                    let text = std::mem::take(&mut self.partial);
                    let text_part = text[start..].strip_suffix(b"\n").unwrap_or(&text[start..]);
                    self.push_inner(text_part, None, out);
                    self.partial = text;
                    self.partial.truncate(start);
                    return;
                }
                self.partial.truncate(start);
            }
            if let Some(rec) = json_file_record(line) {
                self.counts.json_file += 1;
                let start = self.partial.len();
                if !unescape_json(rec.log, &mut self.partial) {
                    // Not valid JSON text after all: keep the line as it is.
                    self.partial.truncate(start);
                    return self.push_inner(line, None, out);
                }
                if self.partial.last() == Some(&b'\n') {
                    self.partial.pop();
                    let text = std::mem::take(&mut self.partial);
                    self.push_inner(trim_cr(&text), Some(rec.time), out);
                    self.partial = text;
                    self.partial.clear();
                }
                return;
            }
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

    /// A line with a Docker json-file chunk still open at the end of input is not lost.
    pub fn finish(&mut self, out: &mut dyn FnMut(Framed<'_>)) {
        if !self.partial.is_empty() {
            let text = std::mem::take(&mut self.partial);
            self.push_inner(&text, None, out);
        }
    }

    fn push_inner<'a>(
        &mut self,
        mut text: &'a [u8],
        mut time: Option<&'a [u8]>,
        out: &mut dyn FnMut(Framed<'_>),
    ) {
        let mut service = None;
        if let Some((name, rest)) = compose_prefix(text) {
            self.counts.compose += 1;
            service = Some(name);
            text = rest;
        }
        if let Some(stamp_len) = rfc3339_len(text) {
            if text.get(stamp_len) == Some(&b' ') {
                self.counts.docker_timestamps += 1;
                time = Some(&text[..stamp_len]);
                text = &text[stamp_len + 1..];
            }
        }
        if service.is_none() && time.is_none() {
            self.counts.plain += 1;
        }
        out(Framed {
            text,
            time,
            service,
        });
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
/// PostgreSQL's lines).
fn cloud_logging_payload(line: &[u8]) -> Option<&[u8]> {
    let at = memchr::memmem::find(line, br#""textPayload":""#)? + 15;
    let body = &line[at..];
    let end = json_string_end(body)?;
    Some(&body[..end])
}

/// The index of the closing quote of a JSON string body.
fn json_string_end(s: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Appends the unescaped JSON string body `s` to `out`; false if it is not valid JSON text.
fn unescape_json(s: &[u8], out: &mut Vec<u8>) -> bool {
    let mut i = 0;
    while i < s.len() {
        let run_end = memchr::memchr(b'\\', &s[i..]).map_or(s.len(), |p| i + p);
        out.extend_from_slice(&s[i..run_end]);
        i = run_end;
        if i >= s.len() {
            break;
        }
        let Some(&esc) = s.get(i + 1) else {
            return false;
        };
        i += 2;
        let byte = match esc {
            b'n' => b'\n',
            b't' => b'\t',
            b'r' => b'\r',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'"' | b'\\' | b'/' => esc,
            b'u' => {
                let Some(mut cp) = hex4(s, i) else {
                    return false;
                };
                i += 4;
                if (0xD800..0xDC00).contains(&cp) && s.get(i..i + 2) == Some(b"\\u") {
                    if let Some(low) = hex4(s, i + 2).filter(|l| (0xDC00..0xE000).contains(l)) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                        i += 6;
                    }
                }
                let ch = char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER);
                let mut utf8 = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut utf8).as_bytes());
                continue;
            }
            _ => return false,
        };
        out.push(byte);
    }
    true
}

fn hex4(s: &[u8], at: usize) -> Option<u32> {
    let h = std::str::from_utf8(s.get(at..at + 4)?).ok()?;
    u32::from_str_radix(h, 16).ok()
}

/// The length of an RFC 3339 time at the start of `s` (`2024-01-02T03:04:05.123456789Z`).
fn rfc3339_len(s: &[u8]) -> Option<usize> {
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

/// `db-1  | text` (Compose v2) or `db_1  | text` (v1): a service name, padding, a bar.
fn compose_prefix(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let name_len = line
        .iter()
        .take(64)
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')))?;
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
    fn cri_partial_lines_join() {
        let out = unframe(&[
            b"2024-01-01T00:00:00.1+00:00 stderr P abc",
            b"2024-01-01T00:00:00.2+00:00 stderr F def",
        ]);
        assert_eq!(out[0].0, "abcdef");
    }

    #[test]
    fn postgres_lines_are_not_mistaken_for_framing() {
        let out = unframe(&[b"2024-01-01 00:00:00.000 UTC [1] LOG:  x | y", b"{not json"]);
        assert_eq!(out[0].0, "2024-01-01 00:00:00.000 UTC [1] LOG:  x | y");
        assert_eq!(out[1].0, "{not json");
    }
}
