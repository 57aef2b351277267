//! The text a person types at a prompt, with a cursor that the usual line-editing keys move:
//! Left/Right, Home/End (Ctrl-A/Ctrl-E), Backspace/Delete, Ctrl-U, Ctrl-W.

use super::keys::Key;

/// Typed text and the cursor's position in it (a char index).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextInput {
    chars: Vec<char>,
    cursor: usize,
}

impl TextInput {
    /// Starts with `text`, the cursor at its end.
    pub fn new(text: &str) -> TextInput {
        let chars: Vec<char> = text.chars().collect();
        TextInput { cursor: chars.len(), chars }
    }

    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Applies an editing key; `false` when the key is not one.
    pub fn edit(&mut self, key: Key) -> bool {
        match key {
            Key::Char(c) if !c.is_control() => {
                self.chars.insert(self.cursor, c);
                self.cursor += 1;
            }
            Key::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                self.chars.remove(self.cursor);
            }
            Key::Delete if self.cursor < self.chars.len() => {
                self.chars.remove(self.cursor);
            }
            Key::Left => self.cursor = self.cursor.saturating_sub(1),
            Key::Right => self.cursor = (self.cursor + 1).min(self.chars.len()),
            Key::Home => self.cursor = 0,
            Key::End => self.cursor = self.chars.len(),
            Key::EraseLine => {
                self.chars.drain(..self.cursor);
                self.cursor = 0;
            }
            Key::EraseWord => {
                let mut start = self.cursor;
                while start > 0 && self.chars[start - 1] == ' ' {
                    start -= 1;
                }
                while start > 0 && self.chars[start - 1] != ' ' {
                    start -= 1;
                }
                self.chars.drain(start..self.cursor);
                self.cursor = start;
            }
            Key::Backspace | Key::Delete => {}
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(keys: &[Key]) -> (String, usize) {
        let mut input = TextInput::default();
        for key in keys {
            input.edit(*key);
        }
        (input.text(), input.cursor())
    }

    #[test]
    fn editing_keys_move_and_erase_like_a_shell_line() {
        use Key::*;
        assert_eq!(typed(&[Char('a'), Char('c'), Left, Char('b')]), ("abc".into(), 2));
        assert_eq!(typed(&[Char('b'), Home, Char('a'), End, Char('c')]), ("abc".into(), 3));
        assert_eq!(typed(&[Char('a'), Char('b'), Home, Delete]), ("b".into(), 0));
        assert_eq!(typed(&[Char('a'), Char('b'), Left, EraseLine]), ("b".into(), 0));
        let words: Vec<Key> = "acme corp  ".chars().map(Char).collect();
        assert_eq!(typed(&[words.as_slice(), &[EraseWord]].concat()), ("acme ".into(), 5));
        assert_eq!(typed(&[Backspace, Left, Delete]), (String::new(), 0), "nothing to erase is no error");
    }
}
