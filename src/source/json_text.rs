//! JSON string bodies as the framings hold them: where one ends, and its unescaped text.

/// The index of the closing quote of a JSON string body.
pub fn json_string_end(s: &[u8]) -> Option<usize> {
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
pub fn unescape_json(s: &[u8], out: &mut Vec<u8>) -> bool {
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
