//! Times as logs print them. Parsed for classified and unclassified WARNING-or-worse
//! records (the ones a report shows a time for), formatted only when a report is written;
//! ordered by the instant they name, so merged collectors agree on first and last seen.

use std::fmt;

/// Month abbreviations as syslog and C's `%b` print them.
pub(crate) const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// A wall-clock time with the zone it was logged in, when that zone is known.
/// Ordered by instant (a time whose zone is unknown is taken as UTC); equal instants
/// logged in different zones are ordered by their fields, so the order is total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    /// The fields as `Clock::pack` packs them: times in one zone compare as one number,
    /// and the first and last seen of every statement are such compares.
    clock: u64,
    /// Offset from UTC in minutes; `None` when the log printed a zone abbreviation
    /// pgtriage cannot place (the time is then reported as logged, without an offset).
    offset_minutes: Option<i16>,
}

/// A time's fields as logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Clock {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    millis: u16,
}

impl Clock {
    /// Packed in their order of significance: 7 bits for each two-digit field (parsed ones
    /// stop at 99), 10 for the milliseconds, the year above.
    fn pack(self) -> u64 {
        (u64::from(self.year) << 45)
            | (u64::from(self.month) << 38)
            | (u64::from(self.day) << 31)
            | (u64::from(self.hour) << 24)
            | (u64::from(self.minute) << 17)
            | (u64::from(self.second) << 10)
            | u64::from(self.millis)
    }

    fn unpack(packed: u64) -> Clock {
        let seven = |shift: u32| ((packed >> shift) & 0x7f) as u8;
        Clock {
            year: (packed >> 45) as u16,
            month: seven(38),
            day: seven(31),
            hour: seven(24),
            minute: seven(17),
            second: seven(10),
            millis: (packed & 0x3ff) as u16,
        }
    }

    fn at(self, offset_minutes: Option<i16>) -> Timestamp {
        Timestamp {
            clock: self.pack(),
            offset_minutes,
        }
    }
}

fn digits(s: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = s.get(at..at + n)?;
    let mut v = 0u32;
    for &b in part {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(b - b'0');
    }
    Some(v)
}

/// Offsets of the zone abbreviations PostgreSQL prints by default for common `log_timezone`
/// settings. Ambiguous abbreviations (IST, CST) are left out on purpose.
fn zone_offset(abbrev: &[u8]) -> Option<i16> {
    Some(match abbrev {
        b"UTC" | b"GMT" | b"Z" | b"UCT" | b"WET" => 0,
        b"WEST" | b"BST" | b"CET" => 60,
        b"CEST" | b"EET" | b"SAST" => 120,
        b"EEST" | b"MSK" => 180,
        b"JST" | b"KST" => 540,
        b"AEST" => 600,
        b"AEDT" => 660,
        b"EST" => -300,
        b"EDT" => -240,
        b"CDT" => -300,
        b"MST" => -420,
        b"MDT" => -360,
        b"PST" => -480,
        b"PDT" => -420,
        _ => return numeric_offset(abbrev),
    })
}

/// `+03`, `-0530`, `+05:30` as PostgreSQL and Docker print zones without a name.
fn numeric_offset(s: &[u8]) -> Option<i16> {
    let sign: i16 = match s.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let rest: Vec<u8> = s[1..].iter().copied().filter(|b| *b != b':').collect();
    let (h, m) = match rest.len() {
        2 => (digits(&rest, 0, 2)?, 0),
        4 => (digits(&rest, 0, 2)?, digits(&rest, 2, 2)?),
        _ => return None,
    };
    Some(sign * (h as i16 * 60 + m as i16))
}

impl Timestamp {
    /// Parses `YYYY-MM-DD HH:MM:SS[.fff][ ZONE]` (PostgreSQL's `%t`/`%m`) and
    /// `YYYY-MM-DDTHH:MM:SS[.fffffffff](Z|±hh:mm)` (Docker's RFC 3339). Reads only what it
    /// needs from the start of `s`.
    pub fn parse(s: &[u8]) -> Option<Timestamp> {
        if s.first().is_some_and(u8::is_ascii_uppercase) {
            return Self::parse_syslog(s, Timestamp::now());
        }
        let year = digits(s, 0, 4)?;
        if s.get(4) != Some(&b'-') || s.get(7) != Some(&b'-') {
            return None;
        }
        let month = digits(s, 5, 2)?;
        let day = digits(s, 8, 2)?;
        if !matches!(s.get(10), Some(b' ') | Some(b'T')) {
            return None;
        }
        let hour = digits(s, 11, 2)?;
        let minute = digits(s, 14, 2)?;
        let second = digits(s, 17, 2)?;
        let mut at = 19;
        let mut millis = 0u16;
        if s.get(at) == Some(&b'.') {
            at += 1;
            let start = at;
            while s.get(at).is_some_and(|b| b.is_ascii_digit()) {
                at += 1;
            }
            let frac = &s[start..at];
            let mut ms = 0u16;
            for i in 0..3 {
                ms = ms * 10 + frac.get(i).map_or(0, |b| u16::from(b - b'0'));
            }
            millis = ms;
        }
        if s.get(at) == Some(&b' ') {
            at += 1;
        }
        let zone_end = s[at.min(s.len())..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b':')))
            .map_or(s.len(), |p| at + p);
        let offset_minutes = zone_offset(&s[at.min(s.len())..zone_end]);
        let clock = Clock {
            year: year as u16,
            month: month as u8,
            day: day as u8,
            hour: hour as u8,
            minute: minute as u8,
            second: second as u8,
            millis,
        };
        Some(clock.at(offset_minutes))
    }

    /// Parses RFC 3164's `Mmm dd hh:mm:ss[.ffffff]`, a syslog time without year or zone:
    /// the year is the latest that does not put it more than a day after `now` (a December
    /// line read in January is last year's); the zone stays unknown.
    fn parse_syslog(s: &[u8], now: Timestamp) -> Option<Timestamp> {
        let month = MONTHS.iter().position(|m| s.starts_with(*m))? as u8 + 1;
        let day_digits = if s.get(4) == Some(&b' ') { 5 } else { 4 };
        let day = digits(s, day_digits, 6 - day_digits)? as u8;
        let clock = s.get(7..)?;
        if clock.get(2) != Some(&b':') || clock.get(5) != Some(&b':') {
            return None;
        }
        let millis = match clock.get(8) {
            Some(b'.') => digits(clock, 9, 3)? as u16,
            _ => 0,
        };
        let now = Clock::unpack(now.clock);
        let mut t = Clock {
            year: now.year,
            month,
            day,
            hour: digits(clock, 0, 2)? as u8,
            minute: digits(clock, 3, 2)? as u8,
            second: digits(clock, 6, 2)? as u8,
            millis,
        };
        if (t.month, t.day) > (now.month, now.day.saturating_add(1)) {
            t.year -= 1;
        }
        Some(t.at(None))
    }

    fn now() -> Timestamp {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        Timestamp::from_unix_millis(ms)
    }

    /// Parses `%n`, seconds since the epoch with milliseconds (`1700000000.123`).
    pub fn parse_epoch(s: &[u8]) -> Option<Timestamp> {
        let dot = s.iter().position(|b| *b == b'.').unwrap_or(s.len());
        let secs: i64 = std::str::from_utf8(&s[..dot]).ok()?.parse().ok()?;
        let millis = if dot < s.len() {
            digits(s, dot + 1, 3).unwrap_or(0) as u16
        } else {
            0
        };
        Some(Timestamp::from_unix_millis(secs * 1000 + i64::from(millis)))
    }
}

impl Timestamp {
    /// Milliseconds since the epoch; an unknown zone counts as UTC.
    pub fn unix_millis(&self) -> i64 {
        let c = Clock::unpack(self.clock);
        let days = days_from_civil(i64::from(c.year), c.month, c.day);
        let secs = days * 86_400
            + i64::from(c.hour) * 3600
            + i64::from(c.minute) * 60
            + i64::from(c.second)
            - i64::from(self.offset_minutes.unwrap_or(0)) * 60;
        secs * 1000 + i64::from(c.millis)
    }

    /// Orders this time against a bound given on the command line: by instant when the
    /// bound names its zone, else on the clock as logged (pgBadger's `--begin`/`--end`).
    pub fn cmp_bound(&self, bound: &Timestamp) -> std::cmp::Ordering {
        match bound.offset_minutes {
            Some(_) => self.unix_millis().cmp(&bound.unix_millis()),
            None => self.fields().cmp(&bound.fields()),
        }
    }

    /// The start of the hour this time falls in, on the clock and in the zone it was
    /// logged in (per-hour statistics).
    pub fn hour_start(self) -> Timestamp {
        Clock {
            minute: 0,
            second: 0,
            millis: 0,
            ..Clock::unpack(self.clock)
        }
        .at(self.offset_minutes)
    }

    /// A UTC time from milliseconds since the epoch.
    pub fn from_unix_millis(ms: i64) -> Timestamp {
        let secs = ms.div_euclid(1000);
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        let rem = secs.rem_euclid(86_400);
        let clock = Clock {
            year: year as u16,
            month,
            day,
            hour: (rem / 3600) as u8,
            minute: (rem % 3600 / 60) as u8,
            second: (rem % 60) as u8,
            millis: ms.rem_euclid(1000) as u16,
        };
        clock.at(Some(0))
    }

    /// The order of the fields as logged, the zone last.
    fn fields(&self) -> (u64, Option<i16>) {
        (self.clock, self.offset_minutes)
    }

    /// Two times logged in different zones: by instant, with calendar arithmetic.
    #[inline(never)]
    fn cmp_across_zones(&self, other: &Self) -> std::cmp::Ordering {
        self.unix_millis()
            .cmp(&other.unix_millis())
            .then_with(|| self.fields().cmp(&other.fields()))
    }
}

impl Ord for Timestamp {
    /// Inlined: every record's first-and-last-seen compares come here, mostly in one
    /// zone, where the packed fields compare as one number; a call cost more than that.
    #[inline]
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        if self.offset_minutes == other.offset_minutes {
            return self.clock.cmp(&other.clock);
        }
        self.cmp_across_zones(other)
    }
}

impl PartialOrd for Timestamp {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Nanoseconds since the epoch of an RFC 3339 time as Docker prints it
/// (`2024-01-02T03:04:05.123456789Z`, trailing zeros of the fraction trimmed). Used to
/// order a container's lines when a log stream is re-attached.
pub fn rfc3339_nanos(s: &[u8]) -> Option<i128> {
    let year = i64::from(digits(s, 0, 4)?);
    let month = digits(s, 5, 2)? as u8;
    let day = digits(s, 8, 2)? as u8;
    if s.get(10) != Some(&b'T') {
        return None;
    }
    let secs_of_day =
        i64::from(digits(s, 11, 2)? * 3600 + digits(s, 14, 2)? * 60 + digits(s, 17, 2)?);
    let mut at = 19;
    let mut nanos: i64 = 0;
    if s.get(at) == Some(&b'.') {
        at += 1;
        let mut scale = 100_000_000;
        while let Some(d) = s.get(at).filter(|b| b.is_ascii_digit()) {
            nanos += i64::from(d - b'0') * scale;
            scale /= 10;
            at += 1;
        }
    }
    let offset = match s.get(at)? {
        b'Z' => 0,
        b'+' | b'-' => i64::from(numeric_offset(s.get(at..at + 6)?)?) * 60,
        _ => return None,
    };
    let secs = days_from_civil(year, month, day) * 86_400 + secs_of_day - offset;
    Some(i128::from(secs) * 1_000_000_000 + i128::from(nanos))
}

/// Howard Hinnant's civil-to-days algorithm (proleptic Gregorian calendar).
pub(crate) fn days_from_civil(y: i64, m: u8, d: u8) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
pub(crate) fn civil_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// RFC 3339 when the zone is known; otherwise the local time as logged, without an offset.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = Clock::unpack(self.clock);
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}",
            c.year, c.month, c.day, c.hour, c.minute, c.second, c.millis
        )?;
        match self.offset_minutes {
            Some(0) => f.write_str("Z"),
            Some(m) => {
                let sign = if m < 0 { '-' } else { '+' };
                write!(f, "{sign}{:02}:{:02}", m.abs() / 60, m.abs() % 60)
            }
            None => Ok(()),
        }
    }
}

#[cfg(test)]
#[path = "timestamp_tests.rs"]
mod tests;
