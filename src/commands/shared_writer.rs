//! A writer with two handles: the renderer writes through one, the command flushes (watch) or takes
//! the bytes (trace) through the other. The renderer owns its writer, so this is how a command
//! still reaches it.

use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;

pub struct SharedWriter<W>(Rc<RefCell<W>>);

impl<W> SharedWriter<W> {
    pub fn new(inner: W) -> Self {
        SharedWriter(Rc::new(RefCell::new(inner)))
    }

    /// Runs `work` on the writer. Never called while the renderer is writing (single-threaded, not reentrant).
    pub fn with<R>(&self, work: impl FnOnce(&mut W) -> R) -> R {
        work(&mut self.0.borrow_mut())
    }
}

impl<W> Clone for SharedWriter<W> {
    fn clone(&self) -> Self {
        SharedWriter(Rc::clone(&self.0))
    }
}

impl<W: Write> Write for SharedWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0.borrow_mut().write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.borrow_mut().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_handles_see_the_same_bytes() {
        let taker = SharedWriter::new(Vec::new());
        let mut renderer: Box<dyn Write> = Box::new(taker.clone());
        renderer.write_all(b"hello ").unwrap();
        write!(renderer, "world").unwrap();
        assert_eq!(taker.with(std::mem::take), b"hello world");
        renderer.write_all(b"!").unwrap();
        assert_eq!(taker.with(|bytes| bytes.clone()), b"!");
    }
}
