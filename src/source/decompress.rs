//! Decompression on a thread of its own (issue 13: "decompress on one thread, parse on
//! the others"): the decoder runs ahead of the parser by a few buffers, so reading a
//! gzip or bzip2 log takes about the longer of the two, not their sum. The bytes and the
//! error that ends them (a truncated file, say) reach the reader in the order the
//! decoder gave them, so what is parsed is what a reader on one thread parses.

use std::io::{self, Read};
use std::sync::mpsc::{self, Receiver, SyncSender};

/// Bytes decoded per buffer.
const BUFFER: usize = 1 << 20;
/// Buffers decoded ahead of the parser: memory stays at a few megabytes whatever the
/// file expands to.
const AHEAD: usize = 4;

/// What the decoding thread hands over: a full buffer, or the error that ended it.
type Piece = io::Result<Vec<u8>>;

/// The reading end: the decoded bytes, in order.
struct Ahead {
    pieces: Receiver<Piece>,
    /// Emptied buffers, sent back to be filled again.
    spent: SyncSender<Vec<u8>>,
    current: Vec<u8>,
    at: usize,
}

/// `reader`, decoded on a thread of its own. The thread ends at the end of the input, at
/// its first error, or when the returned reader is dropped.
pub fn on_own_thread(mut reader: Box<dyn Read + Send>) -> Box<dyn Read + Send> {
    let (full, pieces) = mpsc::sync_channel::<Piece>(AHEAD);
    let (spent, empty) = mpsc::sync_channel::<Vec<u8>>(AHEAD + 2);
    std::thread::spawn(move || loop {
        let mut buf = empty.try_recv().unwrap_or_else(|_| vec![0u8; BUFFER]);
        buf.resize(BUFFER, 0);
        let piece = match read_some(&mut reader, &mut buf) {
            Ok(0) => break,
            Ok(n) => {
                buf.truncate(n);
                Ok(buf)
            }
            Err(e) => Err(e),
        };
        let last = piece.is_err();
        if full.send(piece).is_err() || last {
            break;
        }
    });
    Box::new(Ahead {
        pieces,
        spent,
        current: Vec::new(),
        at: 0,
    })
}

/// One read, retried when interrupted.
fn read_some(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

impl Read for Ahead {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at == self.current.len() {
            match self.pieces.recv() {
                // The thread ended: the input did.
                Err(_) => return Ok(0),
                Ok(Err(e)) => return Err(e),
                Ok(Ok(next)) => {
                    let spent = std::mem::replace(&mut self.current, next);
                    // The thread may have ended; the buffer is then simply freed.
                    let _ = self.spent.try_send(spent);
                    self.at = 0;
                }
            }
        }
        let n = out.len().min(self.current.len() - self.at);
        out[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// The decoded bytes, then the error that cut them, as the decoder gave them.
    #[test]
    fn bytes_then_the_error_in_order() {
        let text: Vec<u8> = (0..3_000_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&text).unwrap();
        let gz = gz.finish().unwrap();
        let cut = &gz[..gz.len() / 2];
        let direct = |bytes: &[u8]| -> Box<dyn Read + Send> {
            Box::new(flate2::read::MultiGzDecoder::new(io::Cursor::new(
                bytes.to_vec(),
            )))
        };
        let mut whole = Vec::new();
        on_own_thread(direct(&gz)).read_to_end(&mut whole).unwrap();
        assert_eq!(whole, text);
        let (mut one, mut two) = (Vec::new(), Vec::new());
        let e1 = direct(cut).read_to_end(&mut one).unwrap_err();
        let e2 = on_own_thread(direct(cut))
            .read_to_end(&mut two)
            .unwrap_err();
        assert_eq!(one, two);
        assert!(!two.is_empty() && two.len() < text.len());
        assert_eq!(e1.kind(), e2.kind());
    }
}
