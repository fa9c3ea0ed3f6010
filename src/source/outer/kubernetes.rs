//! `kubectl logs --prefix`: `[pod/NAME/CONTAINER] ` before each line. (`--timestamps`
//! puts an RFC 3339 time first, the same shape as `docker logs --timestamps`, and is read
//! as that.)

/// The pod's name and the line after the prefix.
pub fn prefix(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let body = line.strip_prefix(b"[pod/")?;
    let close = memchr::memchr(b']', &body[..body.len().min(320)])?;
    let inside = &body[..close];
    let slash = memchr::memchr(b'/', inside)?;
    let rest = &body[close + 1..];
    Some((&inside[..slash], rest.strip_prefix(b" ").unwrap_or(rest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-made around a real PostgreSQL line, to test the prefix's shape only.
    #[test]
    fn kubectl_prefix() {
        let (pod, text) = prefix(b"[pod/pg-auth-1/postgres] 2023-07-28 12:04:01.714 UTC [36] LOG:  ending log output to stderr").unwrap();
        assert_eq!(pod, b"pg-auth-1");
        assert!(text.starts_with(b"2023-07-28 12:04:01.714 UTC [36] LOG:"));
        assert!(prefix(b"[36] LOG:  x").is_none());
    }
}
