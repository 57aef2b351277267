//! Keys from the terminal, read with the terminal in raw mode for as long as a prompt lasts, so
//! that keys typed while the screen is redrawn are neither echoed nor lost, and Ctrl-C arrives as
//! a key (cancel) rather than a signal.

use std::io;
use std::os::fd::RawFd;

/// A key a prompt understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Enter,
    Backspace,
    Up,
    Down,
    PageUp,
    PageDown,
    /// Esc or Ctrl-C.
    Cancel,
    Other,
}

/// The terminal in raw mode; restored when dropped.
pub struct RawMode {
    fd: RawFd,
    original: libc::termios,
}

impl RawMode {
    /// Puts standard input in raw mode (output processing kept, so that lines still end well).
    pub fn enter() -> io::Result<RawMode> {
        let fd = libc::STDIN_FILENO;
        // SAFETY: tcgetattr fills the termios it is given; an all-zero termios is a valid start.
        let mut original: libc::termios = unsafe { std::mem::zeroed() };
        if unsafe { libc::tcgetattr(fd, &mut original) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let mut raw = original;
        // SAFETY: cfmakeraw only edits the termios it is given.
        unsafe { libc::cfmakeraw(&mut raw) };
        raw.c_oflag = original.c_oflag;
        // SAFETY: fd is standard input and raw a termios from tcgetattr.
        if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &raw) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(RawMode { fd, original })
    }

    fn byte(&self, timeout_ms: Option<i32>) -> io::Result<Option<u8>> {
        if let Some(timeout) = timeout_ms {
            let mut poll = libc::pollfd { fd: self.fd, events: libc::POLLIN, revents: 0 };
            // SAFETY: one valid pollfd.
            let ready = unsafe { libc::poll(&mut poll, 1, timeout) };
            if ready < 0 {
                return Err(io::Error::last_os_error());
            }
            if ready == 0 {
                return Ok(None);
            }
        }
        let mut buf = [0u8; 1];
        loop {
            // SAFETY: reads at most one byte into a one-byte buffer.
            let read = unsafe { libc::read(self.fd, buf.as_mut_ptr().cast(), 1) };
            match read {
                1 => return Ok(Some(buf[0])),
                0 => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the terminal closed")),
                _ => {
                    let err = io::Error::last_os_error();
                    if err.kind() != io::ErrorKind::Interrupted {
                        return Err(err);
                    }
                }
            }
        }
    }

    /// Waits for the next key.
    pub fn key(&self) -> io::Result<Key> {
        let first = self.byte(None)?.unwrap_or(0);
        Ok(match first {
            b'\r' | b'\n' => Key::Enter,
            0x7f | 0x08 => Key::Backspace,
            0x03 => Key::Cancel,
            0x1b => self.escape()?,
            byte if byte < 0x20 => Key::Other,
            byte if byte < 0x80 => Key::Char(byte as char),
            byte => self.utf8(byte)?,
        })
    }

    /// An escape sequence (arrows, page keys) or Esc alone.
    fn escape(&self) -> io::Result<Key> {
        let Some(next) = self.byte(Some(30))? else { return Ok(Key::Cancel) };
        if next != b'[' && next != b'O' {
            return Ok(Key::Other);
        }
        let mut sequence = Vec::new();
        while let Some(byte) = self.byte(Some(30))? {
            sequence.push(byte);
            if byte.is_ascii_alphabetic() || byte == b'~' {
                break;
            }
        }
        Ok(match sequence.as_slice() {
            b"A" => Key::Up,
            b"B" => Key::Down,
            b"5~" => Key::PageUp,
            b"6~" => Key::PageDown,
            _ => Key::Other,
        })
    }

    fn utf8(&self, first: u8) -> io::Result<Key> {
        let len = match first {
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf7 => 4,
            _ => return Ok(Key::Other),
        };
        let mut bytes = vec![first];
        for _ in 1..len {
            match self.byte(Some(30))? {
                Some(byte) => bytes.push(byte),
                None => return Ok(Key::Other),
            }
        }
        Ok(std::str::from_utf8(&bytes).ok().and_then(|s| s.chars().next()).map_or(Key::Other, Key::Char))
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // SAFETY: restores the settings read in `enter`.
        unsafe { libc::tcsetattr(self.fd, libc::TCSANOW, &self.original) };
    }
}
