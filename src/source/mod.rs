//! Where log bytes come from: files (plain, gzip, bzip2) and stdin. Container streams come
//! from the Docker Engine in the `tail` command and join the same pipeline.

mod counts;
pub mod decompress;
pub mod framing;
mod framings;
mod json_text;
pub mod lines;
pub mod outer;

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// Defines a closed set of names that the JSON report writes: each variant serialises as
/// its `as_str`, and `ALL` lists every variant, so the schema tests can try each one.
#[macro_export]
macro_rules! report_names {
    ($(#[$m:meta])* pub enum $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $text)] $variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

report_names! {
    /// How an input file was compressed, as the report's `inputs[].compression` names it.
    pub enum Compression {
        None = "none",
        Gzip = "gzip",
        Bzip2 = "bzip2",
    }
}

/// An input opened for reading, decompressed when its first bytes say it is compressed.
pub struct Opened {
    pub reader: Box<dyn Read + Send>,
    pub compression: Compression,
    /// The file's size on disk, for progress; `None` for stdin.
    pub size: Option<u64>,
}

/// Opens `-` (stdin) or a path, with a one-line reason when it cannot be read.
pub fn open(spec: &str) -> Result<Opened, String> {
    let (raw, size): (Box<dyn Read + Send>, Option<u64>) = if spec == "-" {
        (Box::new(io::stdin()), None)
    } else {
        let path = Path::new(spec);
        let meta = std::fs::metadata(path)
            .map_err(|e| format!("{spec}: {}", crate::error::io_reason(&e)))?;
        if meta.is_dir() {
            return Err(format!("{spec}: is a directory, not a log file"));
        }
        let f = File::open(path).map_err(|e| format!("{spec}: {}", crate::error::io_reason(&e)))?;
        (Box::new(f), Some(meta.len()))
    };
    let mut buffered = BufReader::with_capacity(1 << 16, raw);
    let head = buffered
        .fill_buf()
        .map_err(|e| format!("{spec}: {}", crate::error::io_reason(&e)))?;
    let (reader, compression): (Box<dyn Read + Send>, _) = if head.starts_with(&[0x1f, 0x8b]) {
        (
            Box::new(flate2::bufread::MultiGzDecoder::new(buffered)),
            Compression::Gzip,
        )
    } else if head.starts_with(b"BZh") {
        (
            Box::new(bzip2::bufread::MultiBzDecoder::new(buffered)),
            Compression::Bzip2,
        )
    } else {
        (Box::new(buffered), Compression::None)
    };
    Ok(Opened {
        reader,
        compression,
        size,
    })
}
