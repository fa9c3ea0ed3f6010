//! Heroku's logplex: `2019-03-14T00:22:56+00:00 app[postgres.4882]: [GREEN] [15-1]  text`,
//! the dyno naming the process (`postgres.PID` for the database; `web.1`, `router` for
//! the application and the platform), the colour naming the database, then PostgreSQL's
//! syslog `[N-M]` and Heroku's log_line_prefix (` sql_error_code = %e `).

use super::{bracketed_tag, iso_t, number, syslog, Outer, Peeled};
use crate::source::framings::{rfc3339_len, Framing};

pub const LOGPLEX: Outer = Outer {
    framing: Framing::Logplex,
    opens: iso_t,
    peel: logplex,
};

fn logplex(line: &[u8]) -> Option<Peeled<'_>> {
    let t = rfc3339_len(line)?;
    let mut rest = line.get(t..)?.strip_prefix(b" ")?;
    // A log drain names itself first (`d.af28b93f-... app[postgres.5925] `).
    if rest.starts_with(b"d.") {
        rest = &rest[memchr::memchr(b' ', &rest[..rest.len().min(64)])? + 1..];
    }
    // The source (`app`, `heroku`) and the dyno: `app[postgres.4882]: `.
    let (source, dyno, rest) = bracketed_tag(rest)?;
    if !matches!(source, b"app" | b"heroku") {
        return None;
    }
    let rest = rest.strip_prefix(b":").unwrap_or(rest).strip_prefix(b" ")?;
    let pid = dyno.strip_prefix(b"postgres.").and_then(number);
    let rest = match rest.strip_prefix(b"[") {
        // The database's colour name, when there is one before `[N-M]`.
        Some(body) if body.first().is_some_and(u8::is_ascii_uppercase) => {
            let close = memchr::memchr(b']', body)?;
            body[close + 1..]
                .strip_prefix(b" ")
                .unwrap_or(&body[close + 1..])
        }
        _ => rest,
    };
    let (text, continues) = syslog::sequence(rest);
    // Heroku's prefix starts with a space; a TAB after it is a continuation line.
    let text = match text.iter().position(|b| *b != b' ') {
        Some(p) if text[p] != b'\t' => &text[p..],
        _ => text,
    };
    Some(Peeled {
        text,
        time: Some(&line[..t]),
        pid,
        continues,
        other_program: pid.is_none(),
        octal_escapes: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines of the pgBadger fixture logplex.gz (real Heroku output).
    #[test]
    fn logplex_lines() {
        let p = logplex(b"2019-03-14T00:23:00+00:00 app[postgres.4849]: [GREEN] [19-1]  sql_error_code = 40P01 ERROR:  deadlock detected").unwrap();
        assert_eq!(p.pid, Some(4849));
        assert_eq!(p.text, b"sql_error_code = 40P01 ERROR:  deadlock detected");
        assert!(!p.continues && !p.other_program);
        let p = logplex(b"2019-03-14T00:23:00+00:00 app[postgres.4849]: [GREEN] [19-3] \tProcess 4821 waits for ShareLock on transaction 259635221; blocked by process 4796.").unwrap();
        assert!(p.continues);
        assert!(p.text.starts_with(b"\tProcess 4821"));
        let p = logplex(b"2021-09-07T04:01:27+00:00 d.af28b93f-a129-45a1-87be-3f8a0cb710be app[postgres.5925] [AQUA] [921320-3]           select COUNT(id) from missions").unwrap();
        assert_eq!(p.pid, Some(5925));
        assert!(p.continues);
        assert_eq!(p.text, b"select COUNT(id) from missions");
    }
}
