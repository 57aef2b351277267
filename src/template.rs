//! Templates inside config string values: `{env.HALO_URL}`, `{env.REGION:-eu}`, `{secret.token}`,
//! `{vars.base}`, `{steps.authinfo.auth_url}`. `{{` and `}}` are literal braces.
//!
//! Templates live only inside string values, so JSON bodies written as TOML tables never collide
//! with placeholders.

use std::fmt;

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Variable { path: String, default: Option<String> },
}

/// A piece of a template, in order: literal text, or a placeholder with its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'t> {
    Literal(&'t str),
    Variable { path: &'t str, default: Option<&'t str> },
}

/// Why a template could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderError {
    /// The variable has no value and the template gives no default.
    Undefined(String),
    /// Looking the value up failed (a missing secret, a failed request, …).
    Failed(String),
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::Undefined(path) => write!(f, "{{{path}}} has no value"),
            RenderError::Failed(reason) => f.write_str(reason),
        }
    }
}

impl Template {
    /// Parses `text`; an unclosed or empty placeholder is an error.
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut inner = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) => inner.push(c),
                            None => return Err(format!("unclosed '{{' in {text:?}")),
                        }
                    }
                    let (path, default) = match inner.split_once(":-") {
                        Some((path, default)) => (path.trim().to_owned(), Some(default.to_owned())),
                        None => (inner.trim().to_owned(), None),
                    };
                    let valid = !path.is_empty()
                        && path.split('.').all(|seg| {
                            !seg.is_empty() && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                        });
                    if !valid {
                        return Err(format!("'{{{inner}}}' in {text:?} is not a placeholder such as {{env.NAME}}"));
                    }
                    if !literal.is_empty() {
                        parts.push(Part::Literal(std::mem::take(&mut literal)));
                    }
                    parts.push(Part::Variable { path, default });
                }
                '}' => return Err(format!("unmatched '}}' in {text:?}; write '}}}}' for a literal brace")),
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Ok(Template { source: text.to_owned(), parts })
    }

    /// The text as written in the config.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The variables the template reads, such as `env.HALO_URL`.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Variable { path, .. } => Some(path.as_str()),
            Part::Literal(_) => None,
        })
    }

    /// The variables the template cannot do without (those without a default).
    pub fn required_variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Variable { path, default: None } => Some(path.as_str()),
            _ => None,
        })
    }

    /// The template's pieces, in order.
    pub fn pieces(&self) -> impl Iterator<Item = Piece<'_>> {
        self.parts.iter().map(|p| match p {
            Part::Literal(text) => Piece::Literal(text),
            Part::Variable { path, default } => Piece::Variable { path, default: default.as_deref() },
        })
    }

    /// Whether the template is plain text without placeholders.
    pub fn is_literal(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Literal(_)))
    }

    /// Fills in the variables; `lookup` gives a variable's value, or `None` when it has none.
    pub fn render(
        &self,
        lookup: &mut dyn FnMut(&str) -> Result<Option<String>, RenderError>,
    ) -> Result<String, RenderError> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Variable { path, default } => match (lookup(path)?, default) {
                    (Some(value), _) => out.push_str(&value),
                    (None, Some(default)) => out.push_str(default),
                    (None, None) => return Err(RenderError::Undefined(path.clone())),
                },
            }
        }
        Ok(out)
    }
}

impl<'de> serde::Deserialize<'de> for Template {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Template::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(text: &str, vars: &[(&str, &str)]) -> Result<String, RenderError> {
        Template::parse(text)
            .unwrap()
            .render(&mut |path| Ok(vars.iter().find(|(k, _)| *k == path).map(|(_, v)| (*v).to_owned())))
    }

    #[test]
    fn placeholders_defaults_and_escapes() {
        assert_eq!(render("{env.URL}/api", &[("env.URL", "https://x")]).unwrap(), "https://x/api");
        assert_eq!(render("{env.URL:-https://app.ninjarmm.com}/v2", &[]).unwrap(), "https://app.ninjarmm.com/v2");
        assert_eq!(render("{env.URL:-}", &[]).unwrap(), "");
        assert_eq!(render("{{\"a\": 1}}", &[]).unwrap(), "{\"a\": 1}");
        assert_eq!(render("{env.MISSING}", &[]), Err(RenderError::Undefined("env.MISSING".into())));
    }

    #[test]
    fn malformed_placeholders_are_refused() {
        for bad in ["{env.URL", "{}", "{env..x}", "a } b", "{env URL}"] {
            assert!(Template::parse(bad).is_err(), "{bad}");
        }
        let t = Template::parse("{vars.base}/x/{steps.auth.url:-y}").unwrap();
        assert_eq!(t.variables().collect::<Vec<_>>(), ["vars.base", "steps.auth.url"]);
    }
}
