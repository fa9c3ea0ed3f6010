//! Whose a labelled line is, judged from the stream around it. PostgreSQL writes two spaces
//! after its level label, and programs that borrow its level words (the entrypoint, old
//! initdb, repmgr, pgBackRest) mostly one; an application quoting the server's message, and
//! psql printing what the server sent back, repeat the server's line without a prefix.
//! None of this can be told from the line alone, so the stream's evidence is gathered here,
//! over the lines held back while the prefix is learnt and then line by line.

use super::label::Labelled;
use super::other::quotes_server;
use crate::severity::Level;
use std::collections::HashSet;

/// Whose a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whose {
    Server,
    /// Another program's message laid out like the server's (`WARNING: enabling "trust"
    /// ...`): still a record, which catalogue entries can explain, but with no server level.
    Program,
    /// Another program's line, not a record.
    Other,
}

/// Quoted messages remembered: an application logging into the same stream for hours
/// must not grow the table without end; past the cap, later quotes are not learnt.
const MAX_QUOTED: usize = 4096;

/// (service, level, message) of a server message another program's line quotes.
type Quote = (Vec<u8>, Level, Vec<u8>);

/// What the stream's lines so far say about the server's own lines.
#[derive(Debug, Default)]
pub struct Evidence {
    /// Some labelled line kept two spaces after its label: the paste did not fold spaces,
    /// so a label followed by one space was written by another program.
    double_spaced: bool,
    /// Server messages quoted by other programs' lines (`PG::ConnectionBad: FATAL:  ...`).
    quoted: HashSet<Quote>,
    /// The last unlabelled line was a psql prompt (`shop=> select 1/0;`): labelled lines
    /// without a prefix that follow it are psql printing the server's reply.
    after_prompt: bool,
}

fn quote(service: Option<&[u8]>, level: Level, message: &[u8]) -> Quote {
    let service = service.unwrap_or_default().to_vec();
    (service, level, message.trim_ascii_end().to_vec())
}

impl Evidence {
    /// Quoted messages and a psql prompt just before change how later lines are judged;
    /// `double_spaced` does not past a line with two spaces after its label (see
    /// `boundary`), which sets it.
    pub fn carries_state(&self) -> bool {
        !self.quoted.is_empty() || self.after_prompt
    }

    /// Learns from one line. Held lines are seen again when replayed: learning twice from
    /// a line changes nothing.
    pub fn observe(&mut self, line: &[u8], label: Option<Labelled>, service: Option<&[u8]>) {
        let Some(l) = label else {
            return;
        };
        self.double_spaced |= l.spaces >= 2;
        let room = self.quoted.len() < MAX_QUOTED;
        if room && l.prefix_len > 0 && quotes_server(&line[..l.prefix_len]) {
            let q = quote(service, l.level, &line[l.message_start..]);
            self.quoted.insert(q);
        }
    }

    /// Whose `line` is. `server_prefix`: its prefix parsed with the detected one and gave
    /// a time or a pid, which only the server's lines carry.
    pub fn judge(
        &mut self,
        line: &[u8],
        label: Option<Labelled>,
        service: Option<&[u8]>,
        server_prefix: bool,
    ) -> Whose {
        let Some(l) = label else {
            self.after_prompt = psql_prompt(line);
            return Whose::Server;
        };
        if l.level.is_continuation() {
            return Whose::Server;
        }
        if server_prefix {
            self.after_prompt = false;
        } else {
            let prefix = &line[..l.prefix_len];
            let echoed = self
                .quoted
                .contains(&quote(service, l.level, &line[l.message_start..]));
            if quotes_server(prefix) || echoed || (self.after_prompt && prefix.is_empty()) {
                return Whose::Other;
            }
        }
        let ambiguous = l.prefix_len == 0 && !postgres_style(&line[l.message_start..]);
        if l.spaces < 2 && (self.double_spaced || ambiguous) {
            return Whose::Program;
        }
        Whose::Server
    }
}

/// A primary message as PostgreSQL's style guide has it: one clause, no sentence end.
/// `No password has been set for the database.` and `... "trust". This will allow` are
/// the entrypoint's.
fn postgres_style(message: &[u8]) -> bool {
    let m = message.trim_ascii_end();
    !m.ends_with(b".")
        && !m
            .windows(3)
            .any(|w| w[0] == b'.' && w[1] == b' ' && w[2].is_ascii_uppercase())
}

/// psql's prompt, `%/%R%x%# ` by default: a database name, `=` (or `-`, `(`, `'`, ...
/// on a continued statement), a transaction mark, then `>` or `#` for a superuser.
fn psql_prompt(line: &[u8]) -> bool {
    let Some(end) = line.iter().position(|b| matches!(b, b'>' | b'#')) else {
        return false;
    };
    if !matches!(line.get(end + 1), None | Some(b' ')) {
        return false;
    }
    let is_state = |b: &u8| {
        matches!(
            b,
            b'=' | b'-' | b'!' | b'^' | b'@' | b'*' | b'\'' | b'"' | b'$' | b'('
        )
    };
    let mut head = &line[..end];
    if let [rest @ .., state, b'*' | b'!' | b'?'] = head {
        if is_state(state) {
            head = &head[..rest.len() + 1];
        }
    }
    let Some((state, name)) = head.split_last() else {
        return false;
    };
    is_state(state)
        && !name.is_empty()
        && name
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'$'))
}

#[cfg(test)]
mod tests {
    use super::super::label::find_label;
    use super::*;

    fn judge_all(lines: &[&[u8]]) -> Vec<Whose> {
        let mut e = Evidence::default();
        for l in lines {
            e.observe(l, find_label(l), None);
        }
        lines
            .iter()
            .map(|l| e.judge(l, find_label(l), None, false))
            .collect()
    }

    /// tests/corpus/071 (a psql session), 072 (rake quoting a FATAL after printing it) and
    /// 065 (the entrypoint's pre-12 banner beside the server's unprefixed lines).
    #[test]
    fn echoes_prompts_and_single_spaces() {
        use Whose::*;
        let psql: &[&[u8]] = &[
            b"dfmiscmbm6bodf=> select 1/0;",
            b"ERROR:  division by zero",
            b"----psql----",
            b"ERROR:  division by zero",
        ];
        assert_eq!(judge_all(psql), [Server, Other, Server, Server]);
        let rake: &[&[u8]] = &[
            b"FATAL:  permission denied for database \"postgres\"",
            b"PG::ConnectionBad: FATAL:  permission denied for database \"postgres\"",
        ];
        assert_eq!(judge_all(rake), [Other, Other]);
        let banner: &[&[u8]] = &[
            b"WARNING: enabling \"trust\" authentication for local connections",
            b"LOG:  database system is ready to accept connections",
        ];
        assert_eq!(judge_all(banner), [Program, Server]);
        // Without two spaces anywhere the paste may have folded them: only a message in a
        // style PostgreSQL never writes is another program's.
        let folded: &[&[u8]] = &[
            b"ERROR: could not resize shared memory segment \"/PostgreSQL.2140028439\" to 8388608 bytes: No space left on device",
            b"WARNING: No password has been set for the database.",
        ];
        assert_eq!(judge_all(folded), [Server, Program]);
        assert!(psql_prompt(b"shop=*# commit;"));
        assert!(!psql_prompt(b"{\"a\"=>1}"));
    }

    /// Hand-made lines in PostgreSQL's layout with `%m [%p] %a: `, a parser edge case: an
    /// application name before the colon is the server's prefix, not a quoting program.
    #[test]
    fn application_name_before_the_level_is_the_servers() {
        use crate::parse::RecordParser;
        use crate::source::framing::Framed;
        let mut p = super::super::StderrParser::new(None);
        let mut levels = Vec::new();
        for l in [
            "2024-01-01 00:00:00.000 UTC [10] psql: ERROR:  relation \"t\" does not exist",
            "2024-01-01 00:00:01.000 UTC [11] myapp: FATAL:  password authentication failed for user \"app\"",
        ] {
            p.push(&Framed::plain(l.as_bytes()), &mut |r| levels.push(r.level));
        }
        p.finish(&mut |r| levels.push(r.level));
        assert_eq!(levels, [Some(Level::Error), Some(Level::Fatal)]);
    }
}
