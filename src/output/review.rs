//! The review screen of `orgmap suggest` on a terminal: every proposal on one screen, with its
//! organization, external organization, method, confidence and evidence; keys to accept, reject,
//! accept every high one; Enter to finish. Knows nothing of the store: it returns the decisions.
//!
//! Drawn with ratatui on crossterm (the alternate screen, raw mode), which redraw on resize and
//! read every key; only the visible rows are drawn, so 1,000 proposals cost what 20 do.

use std::io::Stderr;
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use crate::matching::Confidence;
use crate::ops::reconcile::{PlanRow, confidence_name, method_name};
use crate::output::sanitize;

/// What a person decided about one proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Undecided,
    Accept,
    Reject,
}

/// How the review ended.
#[derive(Debug)]
pub enum Reviewed {
    /// Enter: the rows accepted.
    Done(Vec<PlanRow>),
    /// Esc, `q` or Ctrl-C.
    Cancelled,
}

/// Puts the terminal back however the screen ends (an error, a panic).
struct Screen {
    terminal: Terminal<CrosstermBackend<Stderr>>,
}

impl Screen {
    fn open() -> std::io::Result<Screen> {
        enable_raw_mode()?;
        let mut stderr = std::io::stderr();
        if let Err(err) = execute!(stderr, EnterAlternateScreen) {
            let _ = disable_raw_mode();
            return Err(err);
        }
        let terminal = Terminal::new(CrosstermBackend::new(stderr))?;
        Ok(Screen { terminal })
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = disable_raw_mode();
        let _ = execute!(self.terminal.backend_mut(), LeaveAlternateScreen);
        let _ = self.terminal.show_cursor();
    }
}

/// The state of the screen: the proposals, the decisions and the cursor.
pub struct Review {
    title: String,
    rows: Vec<PlanRow>,
    decisions: Vec<Decision>,
    table: TableState,
}

impl Review {
    pub fn new(title: String, rows: Vec<PlanRow>) -> Review {
        let decisions = vec![Decision::Undecided; rows.len()];
        let mut table = TableState::default();
        if !rows.is_empty() {
            table.select(Some(0));
        }
        Review { title, rows, decisions, table }
    }

    fn selected(&self) -> Option<usize> {
        self.table.selected().filter(|i| *i < self.rows.len())
    }

    fn set(&mut self, decision: Decision) {
        if let Some(i) = self.selected() {
            self.decisions[i] = if self.decisions[i] == decision { Decision::Undecided } else { decision };
            self.table.select_next();
        }
    }

    /// Row `i` now names the external organization a person picked, and is accepted.
    fn picked(&mut self, i: usize, id: String, name: Option<String>) {
        let row = &mut self.rows[i];
        row.evidence = vec![format!("picked by hand instead of {}", row.external_org_id)];
        row.external_org_id = id;
        row.external_org_name = name;
        row.ambiguous = None;
        row.picked = true;
        self.decisions[i] = Decision::Accept;
    }

    /// Accepts every high, unambiguous proposal not decided yet.
    fn accept_all_high(&mut self) {
        for (row, decision) in self.rows.iter().zip(&mut self.decisions) {
            if *decision == Decision::Undecided && row.confidence == Confidence::High && row.ambiguous.is_none() {
                *decision = Decision::Accept;
            }
        }
    }

    fn count(&self, decision: Decision) -> usize {
        self.decisions.iter().filter(|d| **d == decision).count()
    }

    /// Applies one key; `Some` when the review is over.
    pub fn key(&mut self, key: KeyEvent, page: usize) -> Option<Reviewed> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => return Some(Reviewed::Cancelled),
            KeyCode::Char('c') if ctrl => return Some(Reviewed::Cancelled),
            KeyCode::Enter => {
                let accepted = self
                    .rows
                    .iter()
                    .zip(&self.decisions)
                    .filter(|(_, d)| **d == Decision::Accept)
                    .map(|(row, _)| PlanRow { ambiguous: None, ..row.clone() })
                    .collect();
                return Some(Reviewed::Done(accepted));
            }
            KeyCode::Down | KeyCode::Char('j') => self.table.select_next(),
            KeyCode::Up | KeyCode::Char('k') => self.table.select_previous(),
            KeyCode::PageDown => self.table.scroll_down_by(page.max(1) as u16),
            KeyCode::PageUp => self.table.scroll_up_by(page.max(1) as u16),
            KeyCode::Home | KeyCode::Char('g') => self.table.select_first(),
            KeyCode::End | KeyCode::Char('G') => self.table.select_last(),
            KeyCode::Char(' ' | 'a') => self.set(Decision::Accept),
            KeyCode::Char('r' | 'x') => self.set(Decision::Reject),
            KeyCode::Char('A') => self.accept_all_high(),
            _ => {}
        }
        None
    }

    fn draw(&mut self, frame: &mut ratatui::Frame<'_>) {
        let [title, body, help] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(frame.area());
        let summary = format!(
            "{} · {} proposals · {} accepted · {} rejected",
            self.title,
            self.rows.len(),
            self.count(Decision::Accept),
            self.count(Decision::Reject)
        );
        frame
            .render_widget(Paragraph::new(Line::from(summary).style(Style::new().add_modifier(Modifier::BOLD))), title);
        // Narrow terminals keep what decides: the organization, the external one, the confidence.
        let wide = body.width >= 60;
        let rows = self.rows.iter().zip(&self.decisions).map(|(row, decision)| {
            let mark = match decision {
                Decision::Accept => "✓",
                Decision::Reject => "✗",
                Decision::Undecided => " ",
            };
            let external = match &row.external_org_name {
                Some(name) => format!("{} ({})", sanitize(name), sanitize(&row.external_org_id)),
                None => sanitize(&row.external_org_id).into_owned(),
            };
            let confidence = match row.ambiguous {
                Some(_) => format!("{}?", confidence_name(row.confidence)),
                None => confidence_name(row.confidence).to_owned(),
            };
            let mut cells = vec![Cell::from(mark), Cell::from(row.org_id.clone()), Cell::from(external)];
            if wide {
                let evidence = match &row.ambiguous {
                    Some(why) => format!("ambiguous: {}", sanitize(why)),
                    None => sanitize(&row.evidence.join("; ")).into_owned(),
                };
                cells.push(Cell::from(method_name(row.method).replace('_', " ")));
                cells.push(Cell::from(confidence));
                cells.push(Cell::from(evidence));
            } else {
                cells.push(Cell::from(confidence));
            }
            Row::new(cells)
        });
        let (widths, header): (Vec<Constraint>, Vec<&str>) = if wide {
            (
                vec![
                    Constraint::Length(1),
                    Constraint::Max(20),
                    Constraint::Fill(2),
                    Constraint::Length(15),
                    Constraint::Length(7),
                    Constraint::Fill(3),
                ],
                vec!["", "ORG", "EXTERNAL", "METHOD", "CONF", "EVIDENCE"],
            )
        } else {
            (
                vec![Constraint::Length(1), Constraint::Fill(1), Constraint::Fill(1), Constraint::Length(5)],
                vec!["", "ORG", "EXTERNAL", "CONF"],
            )
        };
        let table = Table::new(rows, widths)
            .header(Row::new(header).style(Style::new().add_modifier(Modifier::BOLD)))
            .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED));
        frame.render_stateful_widget(table, body, &mut self.table);
        let keys = "↑↓ move · space accept · r reject · A accept all high · c pick another · enter apply · esc cancel";
        let width = help.width as usize;
        let keys: String = keys.chars().take(width).collect();
        frame.render_widget(Paragraph::new(keys), help);
    }
}

/// Picks another external organization for a proposal, on the plain terminal (the review
/// screen steps aside meanwhile): its ID and name, or `None` when the person cancelled.
pub type Pick<'a> = dyn FnMut(&PlanRow) -> crate::error::Result<Option<(String, Option<String>)>> + 'a;

/// Shows the review screen until the person finishes or cancels; `c` picks another external
/// organization for the selected proposal with `pick`.
pub fn review(title: &str, rows: Vec<PlanRow>, pick: &mut Pick<'_>) -> crate::error::Result<Reviewed> {
    let terminal_error =
        |err: std::io::Error| crate::error::Error::file("use", std::path::Path::new("the terminal"), err);
    let mut screen = Screen::open().map_err(terminal_error)?;
    let mut review = Review::new(title.to_owned(), rows);
    loop {
        let mut page = 1;
        screen
            .terminal
            .draw(|frame| {
                page = frame.area().height.saturating_sub(3) as usize;
                review.draw(frame);
            })
            .map_err(terminal_error)?;
        // A resize event simply falls through to the next draw, at the new size.
        if !event::poll(Duration::from_millis(250)).map_err(terminal_error)? {
            continue;
        }
        let Event::Key(key) = event::read().map_err(terminal_error)? else { continue };
        if key.kind == KeyEventKind::Release {
            continue;
        }
        if key.code == KeyCode::Char('c')
            && !key.modifiers.contains(KeyModifiers::CONTROL)
            && let Some(i) = review.selected()
        {
            drop(screen);
            let picked = pick(&review.rows[i]);
            screen = Screen::open().map_err(terminal_error)?;
            match picked {
                Ok(Some((id, name))) => review.picked(i, id, name),
                Ok(None) | Err(crate::error::Error::Cancelled) => {}
                Err(err) => return Err(err),
            }
            continue;
        }
        if let Some(done) = review.key(key, page) {
            return Ok(done);
        }
    }
}

#[cfg(test)]
mod tests {
    use ratatui::backend::TestBackend;

    use super::*;
    use crate::matching::Method;

    fn row(org: &str, confidence: Confidence, ambiguous: Option<&str>) -> PlanRow {
        PlanRow {
            integration: "rmm".into(),
            org_id: org.into(),
            org_name: None,
            external_org_id: format!("{org}-site"),
            external_org_name: Some(format!("{org} site")),
            method: Method::NormalisedName,
            confidence,
            evidence: vec![format!("\"{org}\" = \"{org} site\"")],
            ambiguous: ambiguous.map(str::to_owned),
            score: 0.9,
            alternatives: Vec::new(),
            picked: false,
        }
    }

    fn press(review: &mut Review, code: KeyCode) -> Option<Reviewed> {
        review.key(KeyEvent::new(code, KeyModifiers::NONE), 10)
    }

    #[test]
    fn accept_all_high_leaves_doubts_to_a_person_and_enter_returns_the_accepted() {
        let rows = vec![
            row("acme", Confidence::High, None),
            row("globex", Confidence::High, Some("two sites named Globex")),
            row("initech", Confidence::Medium, None),
        ];
        let mut review = Review::new("suggest rmm".into(), rows);
        press(&mut review, KeyCode::Char('A'));
        assert_eq!(review.decisions, [Decision::Accept, Decision::Undecided, Decision::Undecided]);
        press(&mut review, KeyCode::Down);
        press(&mut review, KeyCode::Char(' '));
        press(&mut review, KeyCode::Char('r'));
        let Some(Reviewed::Done(accepted)) = press(&mut review, KeyCode::Enter) else { panic!("enter finishes") };
        let orgs: Vec<&str> = accepted.iter().map(|r| r.org_id.as_str()).collect();
        assert_eq!(orgs, ["acme", "globex"]);
        assert!(accepted.iter().all(|r| r.ambiguous.is_none()), "a person decided");
        assert!(matches!(press(&mut review, KeyCode::Esc), Some(Reviewed::Cancelled)));
    }

    #[test]
    fn a_thousand_rows_draw_legibly_at_80_by_24_and_at_20_by_5() {
        let rows: Vec<PlanRow> = (0..1000).map(|i| row(&format!("org{i}"), Confidence::High, None)).collect();
        let mut review = Review::new("suggest rmm".into(), rows);
        for (width, height) in [(80, 24), (20, 5)] {
            let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
            terminal.draw(|frame| review.draw(frame)).unwrap();
            let screen = terminal.backend().buffer().clone();
            let text: String = screen.content().iter().map(|cell| cell.symbol()).collect();
            assert!(text.contains("org0"), "the first row shows at {width}x{height}: {text}");
            assert!(text.contains("1000 proposals") || width < 40, "the title shows: {text}");
        }
        press(&mut review, KeyCode::End);
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        terminal.draw(|frame| review.draw(frame)).unwrap();
        let text: String = terminal.backend().buffer().content().iter().map(|cell| cell.symbol()).collect();
        assert!(text.contains("org999"), "End scrolls to the last row");
    }
}
