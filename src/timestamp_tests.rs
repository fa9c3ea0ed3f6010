use super::*;

fn show(s: &str) -> String {
    Timestamp::parse(s.as_bytes()).unwrap().to_string()
}

#[test]
fn postgres_and_docker_forms() {
    assert_eq!(
        show("2021-02-14 01:34:02 CET [1]"),
        "2021-02-14T01:34:02.000+01:00"
    );
    assert_eq!(
        show("2026-11-27 19:40:01.123 UTC"),
        "2026-11-27T19:40:01.123Z"
    );
    assert_eq!(
        show("2026-11-27T19:40:01.123456789Z x"),
        "2026-11-27T19:40:01.123Z"
    );
    assert_eq!(
        show("2026-11-27 19:40:01 +0530"),
        "2026-11-27T19:40:01.000+05:30"
    );
    assert_eq!(
        show("2019-10-21 12:03:31.311 XYZT"),
        "2019-10-21T12:03:31.311"
    );
    assert!(Timestamp::parse(b"2019-10-21").is_none());
}

#[test]
fn docker_times_order_by_instant() {
    let a = rfc3339_nanos(b"2024-01-02T03:04:05.1Z").unwrap();
    let b = rfc3339_nanos(b"2024-01-02T03:04:05.09Z").unwrap();
    let c = rfc3339_nanos(b"2024-01-02T04:04:05.1+01:00").unwrap();
    assert!(b < a);
    assert_eq!(a, c);
    assert_eq!(rfc3339_nanos(b"1970-01-01T00:00:01Z"), Some(1_000_000_000));
}

#[test]
fn order_is_by_instant_across_zones() {
    let t = |s: &str| Timestamp::parse(s.as_bytes()).unwrap();
    assert!(t("2024-03-31 02:30:00 CEST") < t("2024-03-31 01:00:00 UTC"));
    assert!(t("2024-03-31 01:00:00.001 UTC") > t("2024-03-31 03:00:00 CEST"));
    assert_eq!(
        t("2024-03-31 01:00:00 UTC").unix_millis(),
        t("2024-03-31 03:00:00 CEST").unix_millis()
    );
    assert_ne!(t("2024-03-31 01:00:00 UTC"), t("2024-03-31 03:00:00 CEST"));
    assert_eq!(
        Timestamp::parse_epoch(b"1700000000.250")
            .unwrap()
            .unix_millis(),
        1_700_000_000_250
    );
}

#[test]
fn syslog_times_take_the_year_that_is_not_ahead() {
    let now = Timestamp::parse(b"2026-01-02 10:00:00 UTC").unwrap();
    let dec = Timestamp::parse_syslog(b"Dec  3 17:15:15", now).unwrap();
    assert_eq!(dec.to_string(), "2025-12-03T17:15:15.000");
    let jan = Timestamp::parse_syslog(b"Jan  2 09:00:00.123456", now).unwrap();
    assert_eq!(jan.to_string(), "2026-01-02T09:00:00.123");
    assert!(Timestamp::parse_syslog(b"Dez  3 17:15:15", now).is_none());
}

#[test]
fn epoch() {
    let t = Timestamp::parse_epoch(b"1700000000.250").unwrap();
    assert_eq!(t.to_string(), "2023-11-14T22:13:20.250Z");
}

/// The packed clock gives back the fields it was made of, at their largest too, and
/// orders as they do.
#[test]
fn a_packed_clock_unpacks_to_its_fields() {
    let c = |year, month, day, hour, minute, second, millis| Clock {
        year,
        month,
        day,
        hour,
        minute,
        second,
        millis,
    };
    let clocks = [
        c(1970, 1, 1, 0, 0, 0, 0),
        c(2024, 2, 29, 23, 59, 59, 999),
        c(2024, 3, 1, 0, 0, 0, 1),
        c(9999, 99, 99, 99, 99, 99, 999),
    ];
    for w in clocks.windows(2) {
        assert!(w[0].pack() < w[1].pack());
    }
    for k in clocks {
        assert_eq!(Clock::unpack(k.pack()), k);
    }
}
