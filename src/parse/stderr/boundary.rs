//! Where a stderr input may be split for parallel reading: at a line that starts a record
//! whatever came before it, so that the chunk before ends with its last record whole and
//! the chunk after starts with this one (ADR split-input).

use super::label::{find_label, unindent};
use super::other::{is_other_program, libpq_lost_connection, quotes_server};
use super::prefix::Prefix;
use crate::source::framing::Framed;

/// Whether the assembler starts a record at this line in any state the chunk before can
/// leave (`carries_state` false: no quoted message learnt, no psql prompt just before):
/// it has a prefix that parses as the server's and quotes nobody, a level that is not a
/// DETAIL/HINT/..., and two spaces after the label, which settles what the lines before
/// could have said about single spaces. Such a line is the server's or a program's
/// record, and either starts one.
pub fn starts_record(prefix: &Prefix, framed: &Framed<'_>) -> bool {
    if framed.continues || framed.other_program {
        return false;
    }
    let line = unindent(framed.text);
    if matches!(line.first(), None | Some(b'\t' | b' ')) {
        return false;
    }
    let Some(l) = find_label(line) else {
        return false;
    };
    if l.prefix_len == 0 || l.level.is_continuation() || l.spaces < 2 {
        return false;
    }
    if is_other_program(line, Some(l)) || libpq_lost_connection(line) {
        return false;
    }
    prefix.parse(&line[..l.prefix_len]).is_some() && !quotes_server(&line[..l.prefix_len])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines of sample-logs/maintenance-autovacuum.log (an autovacuum report's TAB-led
    /// lines) and sample-logs/archive-failure.log (DETAIL lines): only main lines start
    /// records.
    #[test]
    fn continuation_lines_never_start_a_record() {
        let read = |name: &str| {
            std::fs::read_to_string(format!("{}/sample-logs/{name}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
        };
        let log = read("maintenance-autovacuum.log") + &read("archive-failure.log");
        let prefix = Prefix::compile("%m [%p] ").unwrap();
        let (starts, rest): (Vec<&str>, Vec<&str>) = log
            .lines()
            .partition(|l| starts_record(&prefix, &Framed::plain(l.as_bytes())));
        assert!(starts
            .iter()
            .any(|l| l.contains("automatic vacuum of table")));
        assert!(rest.iter().any(|l| l.starts_with('\t')));
        assert!(rest.iter().any(|l| l.contains("] DETAIL:  ")));
        assert!(starts
            .iter()
            .all(|l| !l.starts_with('\t') && !l.contains("] DETAIL:  ")));
    }
}
