//! `kubectl logs --prefix`: `[pod/NAME/CONTAINER] ` before each line, and the bare
//! container name that multi-container viewers put before a JSON line
//! (`postgres {"level":...}`). (`--timestamps` puts an RFC 3339 time first, the same shape
//! as `docker logs --timestamps`, and is read as that.)

/// The pod's name and the line after the prefix.
pub fn prefix(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let body = line.strip_prefix(b"[pod/")?;
    let close = memchr::memchr(b']', &body[..body.len().min(320)])?;
    let inside = &body[..close];
    let slash = memchr::memchr(b'/', inside)?;
    let rest = &body[close + 1..];
    Some((&inside[..slash], rest.strip_prefix(b" ").unwrap_or(rest)))
}

/// `NAME {...}`: a container's name before its JSON line; the line from its `{`.
pub fn name_before_json(line: &[u8]) -> Option<&[u8]> {
    if !line.first()?.is_ascii_lowercase() {
        return None;
    }
    let space = memchr::memchr(b' ', &line[..line.len().min(64)])?;
    let name_ok = space > 0
        && line[..space]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    let rest = &line[space + 1..];
    (name_ok && rest.starts_with(b"{\"")).then_some(rest)
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
        // cloudnative-pg/cloudnative-pg#2514 (tests/framings/cnpg-container-prefix.log).
        let json = name_before_json(b"postgres {\"level\":\"info\"}").unwrap();
        assert_eq!(json, b"{\"level\":\"info\"}");
        assert!(name_before_json(b"LOG:  {\"x\"}").is_none());
    }
}
