//! `orgmap` in a pseudo-terminal of a given size, with what it draws kept on a virtual screen
//! (vt100), so that tests can look at the screen as a person would: which lines are there, where
//! the cursor is, whether anything stale was left behind.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use rexpect::process::{PtyProcess, WaitStatus};
use rexpect::session::{Options, StreamSession};

/// How long a test waits for the screen to show what it expects.
const TIMEOUT: Duration = Duration::from_secs(15);

pub struct Terminal {
    pub process: PtyProcess,
    /// The raw output stream; reading it directly bypasses the virtual screen.
    pub screen: StreamSession<File>,
    master: File,
    display: vt100::Parser,
    /// Everything read so far, as it was written.
    transcript: Vec<u8>,
}

/// rexpect keeps each byte it reads as one char: text is compared in that form.
fn as_read(text: &str) -> String {
    text.bytes().map(char::from).collect()
}

fn bytes_of(read: &str) -> Vec<u8> {
    read.chars().map(|c| c as u32 as u8).collect()
}

fn nonzero(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n).expect("a terminal has at least one row and column")
}

impl Terminal {
    pub fn spawn(mut cmd: std::process::Command, cols: u16, rows: u16) -> Terminal {
        cmd.env("TERM", "xterm");
        let process = PtyProcess::new(cmd).expect("spawn in a pty");
        let master = process.get_file_handle().expect("pty handle");
        let keyboard = master.try_clone().expect("pty handle");
        let display = master.try_clone().expect("pty handle");
        let screen = StreamSession::new(display, keyboard, Options::new().timeout_ms(Some(TIMEOUT.as_millis() as u64)));
        let mut terminal = Terminal {
            process,
            screen,
            master,
            display: vt100::Parser::new(nonzero(rows), nonzero(cols), 0),
            transcript: Vec::new(),
        };
        terminal.resize(cols, rows);
        terminal
    }

    /// Sets the terminal's size, as a window resize does (the program gets SIGWINCH).
    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.display.screen_mut().set_size(nonzero(rows), nonzero(cols));
        let size = libc::winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 };
        // SAFETY: TIOCSWINSZ reads a winsize from a valid pointer on the pty's master fd.
        let done = unsafe { libc::ioctl(self.master.as_raw_fd(), libc::TIOCSWINSZ, &size) };
        assert_eq!(done, 0, "set the terminal size");
    }

    /// Types `keys` and makes sure they reach the terminal now.
    pub fn press(&mut self, keys: &str) {
        self.screen.send(keys).expect("type");
        self.screen.flush().expect("flush");
    }

    /// Waits until the output holds `text` (in the stream, wherever it is drawn).
    pub fn expect(&mut self, text: &str) {
        match self.screen.exp_string(&as_read(text)) {
            Ok(before) => {
                self.show(&bytes_of(&before));
                self.show(text.as_bytes());
            }
            Err(err) => panic!("waited for {text:?}: {err}\nscreen:\n{}", self.text()),
        }
    }

    fn show(&mut self, bytes: &[u8]) {
        self.display.process(bytes);
        self.transcript.extend_from_slice(bytes);
    }

    /// Everything orgmap wrote so far, escape sequences and all.
    pub fn transcript(&self) -> String {
        String::from_utf8_lossy(&self.transcript).into_owned()
    }

    /// Waits until the screen shows what `test` looks for (`what` says it, for the failure).
    pub fn wait_for(&mut self, what: &str, test: impl Fn(&vt100::Screen) -> bool) {
        let started = Instant::now();
        loop {
            let mut read = String::new();
            while let Some(c) = self.screen.try_read() {
                read.push(c);
            }
            self.show(&bytes_of(&read));
            if test(self.display.screen()) {
                return;
            }
            assert!(started.elapsed() < TIMEOUT, "waited for {what}; the screen shows:\n{}", self.text());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Reads what orgmap writes until it closes the terminal (it exits).
    pub fn expect_end(&mut self) {
        match self.screen.exp_eof() {
            Ok(rest) => self.show(&bytes_of(&rest)),
            Err(err) => panic!("waited for the end: {err}\nscreen:\n{}", self.text()),
        }
    }

    /// Waits until the screen shows `text` on some line.
    pub fn wait_for_text(&mut self, text: &str) {
        let wanted = text.to_owned();
        self.wait_for(text, move |screen| screen.contents().contains(&wanted));
    }

    /// The screen's lines, without trailing blanks.
    pub fn lines(&self) -> Vec<String> {
        let (_, cols) = self.display.screen().size();
        self.display.screen().rows(0, cols.get()).map(|row| row.trim_end().to_owned()).collect()
    }

    /// The screen as text, one line per row.
    pub fn text(&self) -> String {
        self.lines().join("\n")
    }

    /// The line the cursor is on.
    pub fn cursor_line(&self) -> String {
        let (row, _) = self.display.screen().cursor_position();
        self.lines()[usize::from(row)].clone()
    }

    pub fn cursor_shown(&self) -> bool {
        !self.display.screen().hide_cursor()
    }

    pub fn exit_code(self) -> i32 {
        match self.process.wait().expect("wait") {
            WaitStatus::Exited(_, code) => code,
            other => panic!("orgmap did not exit normally: {other:?}"),
        }
    }
}
