//! `--output html` in a real browser: Debian's Chromium, headless, opens the page the binary
//! writes for real server logs (sample-logs/, from scripts/gen-sample-logs.sh) and must find
//! no console message (the page's Content-Security-Policy reports anything it would load or
//! run), every section, every chart drawn at a non-zero size, and a screenshot that is not
//! blank. The page itself holds no script: the measuring is done by a wrapper page of the
//! test's own that shows the report in an `srcdoc` frame (same origin) and writes what it
//! measured into its own DOM, which `--dump-dom` prints.

mod common;

use flate2::read::ZlibDecoder;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Stdio};

/// Real server logs with lock waits, a cancel and a temp file (sample-logs/, committed).
const SAMPLE_LOGS: &[&str] = &[
    "sample-logs/sql-locks.log",
    "sample-logs/sql-statements.log",
];
/// A real CloudNativePG log with statements, checkpoints, autovacuum and sessions
/// (pgBadger's fixture, in the shared data).
const CNPG: &str = "pgbadger-fixtures/cnpg.log.gz";

/// The sections every page has, in its order.
const SECTIONS: &[&str] = &[
    "verdict",
    "findings",
    "advice",
    "unclassified",
    "stats-queries",
    "stats-errors",
    "stats-checkpoints",
    "stats-autovacuum",
    "stats-sessions",
    "stats-locks",
    "stats-temp-files",
    "stats-cancelled",
    "stats-hourly",
    "inputs",
];

/// Runs headless Chromium on `url` with `args`, in a profile of its own, stopped after
/// two minutes; its stdout and stderr.
fn chromium(dir: &Path, args: &[&str], url: &str) -> (String, String) {
    let root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    let profile = dir.join("profile");
    let mut cmd = Command::new("timeout");
    cmd.args(["120", "chromium", "--headless", "--disable-gpu"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--no-first-run", "--enable-logging=stderr", "--v=0"])
        .args(args)
        .arg(url)
        .stdin(Stdio::null());
    // Chromium's sandbox refuses to run as root.
    if root {
        cmd.arg("--no-sandbox");
    }
    let out = cmd.output().expect("run chromium");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "chromium {args:?} {url}: {stderr}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

/// The page's console messages, as Chromium logs them (`INFO:CONSOLE:1] "..."`).
fn console_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

fn file_url(p: &Path) -> String {
    format!("file://{}", p.display())
}

/// The report as an HTML attribute value.
fn attribute(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;")
}

/// A page that shows `report` in a frame and, once it is laid out, writes the size of each
/// of its charts and the ids of its sections into `<pre id="measured">` as JSON.
fn measuring_page(report: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html><body>
<iframe id="report" style="width:1280px;height:800px" srcdoc="{}"></iframe>
<pre id="measured">not measured</pre>
<script>
window.addEventListener("load", () => {{
  const doc = document.getElementById("report").contentDocument;
  const charts = [...doc.querySelectorAll("svg")].map(s => {{
    const b = s.getBoundingClientRect();
    return [b.width, b.height];
  }});
  const sections = [...doc.querySelectorAll("header[id], section[id]")].map(e => e.id);
  document.getElementById("measured").textContent = JSON.stringify({{charts, sections}});
}});
</script></body></html>"#,
        attribute(report)
    )
}

#[test]
#[ignore = "slow: headless Chromium"]
fn the_html_report_renders_in_chromium() {
    if common::require_tool("chromium").is_none() {
        return;
    }
    let Some(cnpg) = common::shared_file(CNPG) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["analyze", "--output", "html", "--no-policy"];
    args.extend_from_slice(SAMPLE_LOGS);
    args.push(common::path_str(&cnpg));
    let run = common::pgtriage(&args);
    assert!(matches!(run.status.code(), Some(0 | 1)), "{run:?}");
    let html = String::from_utf8(run.stdout).unwrap();
    let report = dir.path().join("report.html");
    std::fs::write(&report, &html).unwrap();

    // The detection of console messages works: a probe page's own message is seen.
    let probe = dir.path().join("probe.html");
    std::fs::write(&probe, "<script>console.error('pgtriage-probe')</script>").unwrap();
    let (_, stderr) = chromium(dir.path(), &["--dump-dom"], &file_url(&probe));
    assert!(
        console_lines(&stderr)
            .iter()
            .any(|l| l.contains("pgtriage-probe")),
        "Chromium's console is not in its log: {stderr}"
    );

    // The report itself: no console message, every section in the rendered DOM.
    let (dom, stderr) = chromium(dir.path(), &["--dump-dom"], &file_url(&report));
    assert_eq!(console_lines(&stderr), Vec::<&str>::new());
    for id in SECTIONS {
        assert!(
            dom.contains(&format!(" id=\"{id}\"")),
            "section {id} in {dom}"
        );
    }

    measured_charts(dir.path(), &html);
    screenshot_is_not_blank(dir.path(), &report);
}

/// Every chart in the page is drawn with a non-zero size, and the sections come in order.
fn measured_charts(dir: &Path, html: &str) {
    let wrapper = dir.join("measure.html");
    std::fs::write(&wrapper, measuring_page(html)).unwrap();
    let (dom, _) = chromium(
        dir,
        &["--virtual-time-budget=10000", "--dump-dom"],
        &file_url(&wrapper),
    );
    let json = dom
        .split_once("<pre id=\"measured\">")
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(m, _)| m.replace("&quot;", "\""))
        .expect("the measuring page's result");
    let measured: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    let sections: Vec<&str> = measured["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(sections, SECTIONS);
    let charts = measured["charts"].as_array().unwrap();
    assert_eq!(charts.len(), html.matches("<svg").count());
    // Statements, errors, checkpoints, autovacuum, sessions, lock waits, temp files,
    // cancels, and all per hour: a chart each.
    assert_eq!(charts.len(), 9, "{json}");
    for c in charts {
        let (w, h) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
        assert!(w >= 100.0 && h >= 20.0, "a chart of {w}×{h}");
    }
}

/// A 1280×800 screenshot of the page has its text and colours: many colours, and a good
/// part of it not the background.
fn screenshot_is_not_blank(dir: &Path, report: &Path) {
    let png = dir.join("shot.png");
    let shot = format!("--screenshot={}", png.display());
    chromium(
        dir,
        &["--window-size=1280,800", "--hide-scrollbars", &shot],
        &file_url(report),
    );
    let (width, height, pixels) = decode_png(&std::fs::read(&png).unwrap());
    assert_eq!((width, height), (1280, 800));
    let background = pixels[pixels.len() - 1];
    let painted = pixels.iter().filter(|p| **p != background).count();
    let mut colours: Vec<[u8; 3]> = pixels.clone();
    colours.sort_unstable();
    colours.dedup();
    assert!(
        painted * 20 > pixels.len(),
        "{painted} of {} pixels painted",
        pixels.len()
    );
    assert!(colours.len() >= 16, "{} colours", colours.len());
}

/// The RGB pixels of an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes).
fn decode_png(png: &[u8]) -> (usize, usize, Vec<[u8; 3]>) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let (mut at, mut idat) = (8, Vec::new());
    let (mut width, mut height, mut channels) = (0, 0, 0);
    while at + 8 <= png.len() {
        let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
        let data = &png[at + 8..at + 8 + len];
        match &png[at + 4..at + 8] {
            b"IHDR" => {
                width = u32::from_be_bytes(data[0..4].try_into().unwrap()) as usize;
                height = u32::from_be_bytes(data[4..8].try_into().unwrap()) as usize;
                assert_eq!((data[8], data[12]), (8, 0), "8-bit, not interlaced");
                channels = match data[9] {
                    2 => 3,
                    6 => 4,
                    t => panic!("PNG colour type {t}"),
                };
            }
            b"IDAT" => idat.extend_from_slice(data),
            _ => {}
        }
        at += 12 + len;
    }
    let mut raw = Vec::new();
    ZlibDecoder::new(&idat[..]).read_to_end(&mut raw).unwrap();
    let stride = width * channels;
    let mut prev = vec![0u8; stride];
    let mut pixels = Vec::with_capacity(width * height);
    for row in raw.chunks(stride + 1).take(height) {
        let line = unfilter(row[0], &row[1..], &prev, channels);
        pixels.extend(line.chunks(channels).map(|p| [p[0], p[1], p[2]]));
        prev = line;
    }
    (width, height, pixels)
}

/// One scanline with its PNG filter undone.
fn unfilter(filter: u8, row: &[u8], prev: &[u8], bpp: usize) -> Vec<u8> {
    let mut out = vec![0u8; row.len()];
    for i in 0..row.len() {
        let a = if i >= bpp { out[i - bpp] } else { 0 };
        let (b, c) = (prev[i], if i >= bpp { prev[i - bpp] } else { 0 });
        let predictor = match filter {
            0 => 0,
            1 => a,
            2 => b,
            3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
            4 => paeth(a, b, c),
            f => panic!("PNG filter {f}"),
        };
        out[i] = row[i].wrapping_add(predictor);
    }
    out
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}
