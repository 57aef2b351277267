//! Keys from the terminal, read through crossterm with the terminal in raw mode for as long as a
//! prompt lasts, so that keys typed while the screen is redrawn are neither echoed nor lost,
//! Ctrl-C arrives as a key (cancel) rather than a signal, and a resize arrives as an event.

use std::io;

use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::crossterm::terminal;

/// A key (or a resize) a prompt understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Enter,
    Backspace,
    Delete,
    Left,
    Right,
    Home,
    End,
    Up,
    Down,
    PageUp,
    PageDown,
    /// Ctrl-U: erase to the start of the line.
    EraseLine,
    /// Ctrl-W: erase the word before the cursor.
    EraseWord,
    /// Esc or Ctrl-C.
    Cancel,
    /// The terminal changed size: draw again.
    Resized,
    Other,
}

impl Key {
    fn from_event(key: KeyEvent) -> Key {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('c' | 'd') if ctrl => Key::Cancel,
            KeyCode::Char('u') if ctrl => Key::EraseLine,
            KeyCode::Char('w') if ctrl => Key::EraseWord,
            KeyCode::Char('a') if ctrl => Key::Home,
            KeyCode::Char('e') if ctrl => Key::End,
            KeyCode::Char('h') if ctrl => Key::Backspace,
            KeyCode::Char('j' | 'm') if ctrl => Key::Enter,
            KeyCode::Char(_) if ctrl => Key::Other,
            KeyCode::Char(c) => Key::Char(c),
            KeyCode::Enter => Key::Enter,
            KeyCode::Backspace => Key::Backspace,
            KeyCode::Delete => Key::Delete,
            KeyCode::Left => Key::Left,
            KeyCode::Right => Key::Right,
            KeyCode::Home => Key::Home,
            KeyCode::End => Key::End,
            KeyCode::Up => Key::Up,
            KeyCode::Down => Key::Down,
            KeyCode::PageUp => Key::PageUp,
            KeyCode::PageDown => Key::PageDown,
            KeyCode::Esc => Key::Cancel,
            _ => Key::Other,
        }
    }
}

/// The terminal in raw mode; restored when dropped (also on an error or a panic).
pub struct RawMode(());

impl RawMode {
    pub fn enter() -> io::Result<RawMode> {
        terminal::enable_raw_mode()?;
        Ok(RawMode(()))
    }

    /// Waits for the next key or resize.
    pub fn key(&self) -> io::Result<Key> {
        loop {
            match event::read()? {
                Event::Key(key) if key.kind != KeyEventKind::Release => return Ok(Key::from_event(key)),
                Event::Resize(..) => return Ok(Key::Resized),
                // Mouse, focus and paste events are not turned on (a paste arrives as keys).
                _ => {}
            }
        }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = terminal::disable_raw_mode();
    }
}

/// The terminal's size as (columns, rows); 80 × 24 when it cannot be read or is reported as 0.
pub fn size() -> (u16, u16) {
    // console reads the size of stderr, where prompts are drawn, and spawns nothing when a
    // terminal reports no size (crossterm would run `tput`).
    console::Term::stderr().size_checked().map_or((80, 24), |(rows, columns)| (columns, rows))
}
