//! A unified diff (`diff -u`, 3 lines of context) of a file before and after its edits,
//! which `patch -p1` and `git apply` take. Configuration files are small, so a plain
//! longest-common-subsequence table is fast enough and keeps the code obvious.

const CONTEXT: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Same,
    Del,
    Add,
}

/// The edit script from `a` to `b`, one op per line.
fn script(a: &[&str], b: &[&str]) -> Vec<Op> {
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut ops) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push(Op::Same);
            (i, j) = (i + 1, j + 1);
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(Op::Del);
            i += 1;
        } else {
            ops.push(Op::Add);
            j += 1;
        }
    }
    ops
}

/// The diff of `before` and `after` with `a/NAME` and `b/NAME` headers; empty when equal.
pub fn unified(name: &str, before: &str, after: &str) -> String {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    let ops = script(&a, &b);
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| ops[k] != Op::Same).collect();
    if changed.is_empty() {
        return String::new();
    }
    let mut out = format!("--- a/{name}\n+++ b/{name}\n");
    // Hunks: runs of changes less than 2×CONTEXT same lines apart.
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(CONTEXT);
        let mut last = changed[k];
        while k + 1 < changed.len() && changed[k + 1] - last <= 2 * CONTEXT {
            k += 1;
            last = changed[k];
        }
        let end = (last + CONTEXT + 1).min(ops.len());
        hunk(&mut out, &ops, &a, &b, start, end);
        k += 1;
    }
    out
}

/// One hunk over ops `start..end`.
fn hunk(out: &mut String, ops: &[Op], a: &[&str], b: &[&str], start: usize, end: usize) {
    // Line numbers in a and b where op `start` is.
    let before = &ops[..start];
    let ai = before.iter().filter(|o| **o != Op::Add).count();
    let bi = before.iter().filter(|o| **o != Op::Del).count();
    let slice = &ops[start..end];
    let alen = slice.iter().filter(|o| **o != Op::Add).count();
    let blen = slice.iter().filter(|o| **o != Op::Del).count();
    let at = |i: usize, len: usize| if len == 0 { i } else { i + 1 };
    out.push_str(&format!(
        "@@ -{},{alen} +{},{blen} @@\n",
        at(ai, alen),
        at(bi, blen)
    ));
    let (mut i, mut j) = (ai, bi);
    for op in slice {
        match op {
            Op::Same => {
                out.push_str(&format!(" {}\n", a[i]));
                (i, j) = (i + 1, j + 1);
            }
            Op::Del => {
                out.push_str(&format!("-{}\n", a[i]));
                i += 1;
            }
            Op::Add => {
                out.push_str(&format!("+{}\n", b[j]));
                j += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_with_context_and_line_numbers() {
        let a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n";
        let b = "1\n2\nthree\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n";
        assert_eq!(
            unified("f", a, b),
            "--- a/f\n+++ b/f\n@@ -1,6 +1,6 @@\n 1\n 2\n-3\n+three\n 4\n 5\n 6\n@@ -10,3 +10,4 @@\n 10\n 11\n 12\n+13\n"
        );
        assert_eq!(unified("f", a, a), "");
    }
}
