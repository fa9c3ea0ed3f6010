//! Compose's notations for sizes (`256mb`, `2g`) and durations (`1m30s`), as the service
//! keys `shm_size`, `mem_limit`, `tmpfs` sizes and `stop_grace_period` take them.

use serde_yaml_ng::Value;

/// A Compose byte size: a number of bytes, or `256mb`, `2g`, `512m`, `100k`.
pub fn bytes(v: &Value) -> Option<i64> {
    if let Some(n) = v.as_i64() {
        return Some(n);
    }
    let s = v.as_str()?.trim().to_ascii_lowercase();
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let n: f64 = s[..split].parse().ok()?;
    let factor: f64 = match s[split..].trim_end_matches('b') {
        "" => 1.0,
        "k" => 1024.0,
        "m" => 1024.0 * 1024.0,
        "g" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some((n * factor) as i64)
}

/// A Compose duration in whole seconds: `90s`, `1m30s`, `1h`, `500ms`.
pub fn seconds(s: &str) -> Option<i64> {
    let mut total = 0f64;
    let mut rest = s.trim();
    while !rest.is_empty() {
        let split = rest.find(|c: char| !c.is_ascii_digit() && c != '.')?;
        let n: f64 = rest[..split].parse().ok()?;
        let unit_end = rest[split..]
            .find(|c: char| c.is_ascii_digit())
            .map_or(rest.len(), |i| split + i);
        total += n * match &rest[split..unit_end] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            "us" => 0.000_001,
            _ => return None,
        };
        rest = &rest[unit_end..];
    }
    Some(total as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations() {
        assert_eq!(bytes(&Value::from("256mb")), Some(256 << 20));
        assert_eq!(bytes(&Value::from("2g")), Some(2 << 30));
        assert_eq!(bytes(&Value::from(1024)), Some(1024));
        assert_eq!(bytes(&Value::from("lots")), None);
        assert_eq!(seconds("1m30s"), Some(90));
        assert_eq!(seconds("10s"), Some(10));
        assert_eq!(seconds("soon"), None);
    }
}
