//! A submission's stdout or stderr: the first bytes kept, the rest read and counted so the program never
//! blocks on a full pipe.

use std::io::Read;
use std::thread::{self, JoinHandle};

/// How much of each stream a report keeps.
pub const KEEP_BYTES: usize = 64 * 1024;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CappedOutput {
    pub kept: Vec<u8>,
    /// Every byte the program wrote, kept or not.
    pub total: u64,
}

impl CappedOutput {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.kept).into_owned()
    }
}

/// Reads `reader` to its end on a thread, keeping the first `keep` bytes.
pub fn read_capped(
    mut reader: impl Read + Send + 'static,
    keep: usize,
) -> JoinHandle<CappedOutput> {
    thread::spawn(move || {
        let mut output = CappedOutput::default();
        let mut buffer = [0u8; 16 * 1024];
        loop {
            match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => {
                    let room = keep.saturating_sub(output.kept.len());
                    output.kept.extend_from_slice(&buffer[..n.min(room)]);
                    output.total = output.total.saturating_add(n as u64);
                }
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
        output
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_start_and_counts_everything() {
        let data = vec![b'x'; 100_000];
        let output = read_capped(std::io::Cursor::new(data), 10).join().unwrap();
        assert_eq!(output.kept, b"xxxxxxxxxx");
        assert_eq!(output.total, 100_000);
    }
}
