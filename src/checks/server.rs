//! What the server's own configuration says, read before it starts: postgresql.conf
//! against the container's limits, pg_hba.conf's trust lines, and the initdb options the
//! official image takes from POSTGRES_INITDB_ARGS. Only `lint` has these files (a running
//! container's are inside it), so only it raises these checks.

use super::{finding, key, CheckFinding, ConfigFile, Where};

/// One setting, where it was made (the last one wins, as in the server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub name: String,
    /// Without quotes.
    pub value: String,
    pub at: Where,
}

/// One pg_hba.conf record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HbaLine {
    pub line: usize,
    /// The line's words, comment removed.
    pub words: Vec<String>,
}

/// The mount that holds the data directory, when its size is declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataVolume {
    pub size: i64,
    /// What it is, for the evidence: `the tmpfs at /var/lib/postgresql/data`.
    pub what: String,
    /// Where the size is declared.
    pub at: Where,
}

/// The server's configuration as far as it can be read without running it.
#[derive(Debug, Clone, Default)]
pub struct ServerConfig {
    /// postgresql.conf, then `-c` options of the command, in order.
    pub settings: Vec<Setting>,
    /// The mounted pg_hba.conf, when there is one.
    pub hba: Option<Vec<HbaLine>>,
    /// The container's memory limit in bytes.
    pub memory_limit: Option<i64>,
    /// POSTGRES_INITDB_ARGS; `None` when unset.
    pub initdb_args: Option<String>,
    /// The image's PostgreSQL major, when its tag says it.
    pub major: Option<u32>,
    /// /dev/shm in bytes when the service sets it; `None` for Docker's default.
    pub shm_size: Option<i64>,
    /// The mount holding the data directory, when its size is declared.
    pub data_volume: Option<DataVolume>,
}

impl ServerConfig {
    pub fn setting(&self, name: &str) -> Option<&Setting> {
        self.settings
            .iter()
            .rev()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }
}

/// Above this share of the memory limit, shared_buffers leaves too little for
/// connections' work_mem, maintenance and the page cache: the OOM killer's territory.
const SHARED_BUFFERS_MAX_PERCENT: i64 = 40;

pub fn checks(c: &ServerConfig) -> Vec<CheckFinding> {
    let mut out = Vec::new();
    initdb(c, &mut out);
    if let Some(hba) = &c.hba {
        for l in hba {
            hba_trust(l, &mut out);
        }
    }
    shared_buffers(c, &mut out);
    log_line_prefix(c, &mut out);
    out
}

/// The options initdb gets on the first start: authentication, checksums, locale provider.
fn initdb(c: &ServerConfig, out: &mut Vec<CheckFinding>) {
    let args = c.initdb_args.as_deref().unwrap_or("");
    let words: Vec<&str> = args.split_whitespace().collect();
    let has = |names: &[&str]| {
        words.iter().any(|w| {
            names
                .iter()
                .any(|n| *w == *n || w.strip_prefix(n).is_some_and(|r| r.starts_with('=')))
        })
    };
    let at = || match c.initdb_args {
        Some(_) => key(&["environment", "POSTGRES_INITDB_ARGS"]),
        None => key(&["environment"]),
    };
    // initdb trusts the socket without --auth-local and loopback TCP without --auth-host.
    // Even where a mounted hba_file replaces the pg_hba.conf it writes, initdb logs its trust
    // warning, and the file in the data directory trusts whoever switches back to it.
    let all = has(&["--auth", "-A"]);
    let missing: Vec<&str> = [("--auth-local", "socket"), ("--auth-host", "loopback TCP")]
        .into_iter()
        .filter(|(o, _)| !all && !has(&[o]))
        .map(|(o, _)| o)
        .collect();
    if !missing.is_empty() {
        let what = match missing.len() {
            2 => "socket and loopback TCP",
            _ if missing[0] == "--auth-local" => "socket",
            _ => "loopback TCP",
        };
        out.push(finding(
            "initdb-auth-local-trust",
            format!(
                "POSTGRES_INITDB_ARGS has no {}: initdb trusts {what} connections",
                missing.join(" and no ")
            ),
            at(),
        ));
    }
    if c.major.is_none_or(|m| m < 18) && !has(&["--data-checksums", "-k"]) {
        out.push(finding(
            "initdb-no-checksums",
            "POSTGRES_INITDB_ARGS has no --data-checksums".into(),
            at(),
        ));
    }
    let provider = words
        .iter()
        .find_map(|w| w.strip_prefix("--locale-provider="));
    // ICU arrived in 15: before it libc is the only provider. An explicit
    // `--locale-provider=libc` is a choice, not an oversight.
    if c.major.is_none_or(|m| m >= 15) && provider.is_none() {
        out.push(finding(
            "initdb-locale-libc",
            "POSTGRES_INITDB_ARGS chooses no locale provider: libc".into(),
            at(),
        ));
    }
}

/// A `trust` record: local when it admits the socket or loopback only, else network.
fn hba_trust(l: &HbaLine, out: &mut Vec<CheckFinding>) {
    let w = &l.words;
    let local = w.first().is_some_and(|t| t == "local");
    // `address mask` takes two words: a mask is written with digits and dots.
    let mask = w
        .get(4)
        .is_some_and(|m| m.contains('.') && m.chars().all(|c| c.is_ascii_digit() || c == '.'));
    let method_at = if local {
        3
    } else if mask {
        5
    } else {
        4
    };
    if w.get(method_at).is_none_or(|m| m != "trust") {
        return;
    }
    let text = w.join(" ");
    let at = Where::File(ConfigFile::PgHba, l.line);
    let loopback = matches!(
        w.get(3).map(String::as_str),
        Some("127.0.0.1/32" | "::1/128" | "localhost")
    );
    if local || loopback {
        out.push(finding(
            "hba-trust-local",
            format!("pg_hba.conf trusts local connections: {text}"),
            at,
        ));
    } else {
        out.push(finding(
            "hba-trust-network",
            format!("pg_hba.conf trusts network clients: {text}"),
            at,
        ));
    }
}

fn shared_buffers(c: &ServerConfig, out: &mut Vec<CheckFinding>) {
    let Some(limit) = c.memory_limit.filter(|l| *l > 0) else {
        return;
    };
    let (bytes, shown, at) = match c.setting("shared_buffers") {
        Some(s) => match memory_setting(&s.value, 8192) {
            Some(b) => (b, s.value.clone(), s.at.clone()),
            None => return,
        },
        None => (128 << 20, "128MB (the default)".into(), key(&["mem_limit"])),
    };
    let percent = bytes * 100 / limit;
    if percent > SHARED_BUFFERS_MAX_PERCENT {
        out.push(finding(
            "shared-buffers-over-limit",
            format!(
                "shared_buffers = {shown} is {percent}% of the memory limit of {} MiB",
                limit >> 20
            ),
            at,
        ));
    }
}

fn log_line_prefix(c: &ServerConfig, out: &mut Vec<CheckFinding>) {
    let Some(s) = c.setting("log_line_prefix") else {
        return; // the default since 10, '%m [%p] ', has both
    };
    let has = |escapes: &[&str]| escapes.iter().any(|e| s.value.contains(e));
    let mut missing = Vec::new();
    if !has(&["%m", "%t", "%n"]) {
        missing.push("a timestamp (%m)");
    }
    if !has(&["%p", "%c"]) {
        missing.push("a process id (%p)");
    }
    if !missing.is_empty() {
        out.push(finding(
            "log-prefix-incomplete",
            format!(
                "log_line_prefix = '{}' lacks {}",
                s.value,
                missing.join(" and ")
            ),
            s.at.clone(),
        ));
    }
}

/// A memory setting in bytes: a number with PostgreSQL's units (kB, MB, GB, TB), or a bare
/// number of `unit`-byte blocks.
pub fn memory_setting(value: &str, unit: i64) -> Option<i64> {
    let v = value.trim();
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let n: i64 = v[..split].parse().ok()?;
    let factor = match v[split..].trim() {
        "" => unit,
        "B" => 1,
        "kB" => 1 << 10,
        "MB" => 1 << 20,
        "GB" => 1 << 30,
        "TB" => 1 << 40,
        _ => return None,
    };
    n.checked_mul(factor)
}

/// postgresql.conf's settings: `name = value` or `name value`, `#` comments, single-quoted
/// values with `''` or `\'` for a quote.
pub fn parse_conf(text: &str) -> Vec<Setting> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let name_end = t
            .find(|c: char| c.is_whitespace() || c == '=')
            .unwrap_or(t.len());
        let rest = t[name_end..].trim_start();
        let rest = rest.strip_prefix('=').unwrap_or(rest).trim_start();
        out.push(Setting {
            name: t[..name_end].to_ascii_lowercase(),
            value: conf_value(rest),
            at: Where::File(ConfigFile::PostgresqlConf, i + 1),
        });
    }
    out
}

fn conf_value(rest: &str) -> String {
    if let Some(q) = rest.strip_prefix('\'') {
        let mut v = String::new();
        let mut chars = q.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    v.push('\'');
                }
                '\\' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    v.push('\'');
                }
                '\'' => break,
                c => v.push(c),
            }
        }
        return v;
    }
    let end = rest.find('#').unwrap_or(rest.len());
    rest[..end].trim().to_string()
}

/// pg_hba.conf's records, with the line each starts on. A line ending in a backslash
/// continues on the next (PostgreSQL 16+): the lines are joined before comments are
/// removed, as the server does, so a `#` comments out the rest of the joined record.
pub fn parse_hba(text: &str) -> Vec<HbaLine> {
    let mut out = Vec::new();
    let mut record: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        let (body, more) = match line.strip_suffix('\\') {
            Some(b) => (b, true),
            None => (line, false),
        };
        let (start, mut joined) = record.take().unwrap_or((i + 1, String::new()));
        joined.push_str(body);
        if more {
            record = Some((start, joined));
        } else {
            out.extend(hba_record(start, &joined));
        }
    }
    // A backslash on the last line continues into nothing.
    out.extend(record.and_then(|(start, joined)| hba_record(start, &joined)));
    out
}

fn hba_record(line: usize, joined: &str) -> Option<HbaLine> {
    let content = joined.split('#').next().unwrap_or("");
    let words: Vec<String> = content.split_whitespace().map(str::to_string).collect();
    (!words.is_empty()).then_some(HbaLine { line, words })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_keep_quotes_comments_and_the_last_value() {
        let s = parse_conf("# c\nshared_buffers = 1GB  # a\nlog_line_prefix='%t ''x'' '\nwork_mem 4MB\nshared_buffers=2GB\n");
        let c = ServerConfig {
            settings: s,
            ..Default::default()
        };
        assert_eq!(c.setting("shared_buffers").unwrap().value, "2GB");
        assert_eq!(c.setting("log_line_prefix").unwrap().value, "%t 'x' ");
        assert_eq!(c.setting("work_mem").unwrap().value, "4MB");
        assert_eq!(memory_setting("16384", 8192), Some(128 << 20));
        assert_eq!(memory_setting("1GB", 8192), Some(1 << 30));
        assert_eq!(memory_setting("1 XB", 8192), None);
    }

    #[test]
    fn hba_trust_is_local_or_network_by_type_and_address() {
        let hba = parse_hba("local all all trust\nhost all all 127.0.0.1/32 trust # x\nhost all all all trust\nhost all all 10.0.0.0/8 scram-sha-256\n");
        let c = ServerConfig {
            hba: Some(hba),
            initdb_args: Some("-A scram-sha-256 --data-checksums --locale-provider=icu".into()),
            ..Default::default()
        };
        let got: Vec<_> = checks(&c).iter().map(|f| (f.check, f.at.clone())).collect();
        assert_eq!(
            got,
            [
                ("hba-trust-local", Where::File(ConfigFile::PgHba, 1)),
                ("hba-trust-local", Where::File(ConfigFile::PgHba, 2)),
                ("hba-trust-network", Where::File(ConfigFile::PgHba, 3)),
            ]
        );
    }

    /// Records continued with a backslash (PostgreSQL 16+) are one record, at the line
    /// they start on; a comment takes the rest of the joined record, as in the server.
    #[test]
    fn hba_records_continue_after_a_backslash() {
        let text = "host all \\\n     all 10.0.0.0/8 \\\n     trust\n# x \\\nlocal all all trust\nlocal all all peer\n";
        let words: Vec<(usize, String)> = parse_hba(text)
            .iter()
            .map(|l| (l.line, l.words.join(" ")))
            .collect();
        assert_eq!(
            words,
            [
                (1, "host all all 10.0.0.0/8 trust".to_string()),
                (6, "local all all peer".to_string())
            ]
        );
    }
}
