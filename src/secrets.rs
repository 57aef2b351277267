//! Secret references (`{ env = "…" }`, `{ command = […] }`, `{ file = "…" }`), their resolution,
//! and the redaction of every resolved value from anything orgmap prints.
//!
//! orgmap never stores a secret: it is read when a request needs it, held in memory for the run,
//! and scrubbed — plain or in any encoding a URL, form, JSON or Basic header gives it — from error
//! messages.

use std::collections::BTreeSet;
use std::fmt;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use serde::Deserialize;

/// Where a secret comes from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, remote = "Self")]
pub struct SecretRef {
    /// An environment variable.
    #[serde(default)]
    pub env: Option<String>,
    /// A program whose standard output (trimmed) is the secret, such as `["pass", "halo"]`.
    #[serde(default)]
    pub command: Option<Vec<String>>,
    /// A file whose content (trimmed) is the secret, such as `/run/secrets/halo`.
    #[serde(default)]
    pub file: Option<PathBuf>,
}

/// Begins every error about a secret reference in a config: such messages are shown without
/// the config line, which may hold a secret written there by mistake.
pub const IN_SECRET_REFERENCE: &str = "in a secret reference";

/// Said when a config holds a secret's value where a reference belongs; the value is never
/// repeated.
pub const LITERAL_SECRET: &str = "a secret must be a reference such as { env = \"NAME\" }, { command = [\"pass\", \"x\"] } or { file = \"/run/secrets/x\" }, never the secret itself";

impl<'de> Deserialize<'de> for SecretRef {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Reference;
        impl<'de> serde::de::Visitor<'de> for Reference {
            type Value = SecretRef;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a secret reference (env, command or file)")
            }
            fn visit_str<E: serde::de::Error>(self, _value: &str) -> Result<SecretRef, E> {
                Err(E::custom(format!("{IN_SECRET_REFERENCE}: {LITERAL_SECRET}")))
            }
            fn visit_i64<E: serde::de::Error>(self, _value: i64) -> Result<SecretRef, E> {
                self.visit_str("")
            }
            fn visit_u64<E: serde::de::Error>(self, _value: u64) -> Result<SecretRef, E> {
                self.visit_str("")
            }
            fn visit_f64<E: serde::de::Error>(self, _value: f64) -> Result<SecretRef, E> {
                self.visit_str("")
            }
            fn visit_bool<E: serde::de::Error>(self, _value: bool) -> Result<SecretRef, E> {
                self.visit_str("")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _seq: A) -> Result<SecretRef, A::Error> {
                self.visit_str("")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<SecretRef, A::Error> {
                // A table with a wrong key may hold the secret under it: say what is wrong, not
                // what is there.
                SecretRef::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map_err(|err| serde::de::Error::custom(format!("{IN_SECRET_REFERENCE}: {err}")))
            }
        }
        deserializer.deserialize_any(Reference)
    }
}

impl SecretRef {
    /// Checks that exactly one source is named.
    pub fn check(&self) -> Result<(), String> {
        let count =
            usize::from(self.env.is_some()) + usize::from(self.command.is_some()) + usize::from(self.file.is_some());
        if count != 1 {
            return Err("a secret reference names exactly one of env, command or file".into());
        }
        if let Some(argv) = &self.command
            && argv.is_empty()
        {
            return Err("a secret command needs at least the program".into());
        }
        Ok(())
    }

    /// How to name the reference to a person, without its value.
    pub fn describe(&self) -> String {
        if let Some(name) = &self.env {
            format!("environment variable {name}")
        } else if let Some(argv) = &self.command {
            format!("command `{}`", argv.join(" "))
        } else if let Some(path) = &self.file {
            format!("file {}", path.display())
        } else {
            "an empty reference".into()
        }
    }
}

/// Why a secret could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// The reference, described without any value.
    pub reference: String,
    pub reason: String,
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.reference, self.reason)
    }
}

/// A resolved secret: its value never shows in `Debug` output.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A secret file larger than this is refused.
const MAX_SECRET_FILE_BYTES: u64 = 1024 * 1024;

/// Reads a regular file of at most `limit` bytes as text. A FIFO, a device or a directory is
/// refused rather than read (it could block forever or never end).
pub fn read_small_file(path: &std::path::Path, limit: u64) -> std::io::Result<String> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "it is not a regular file"));
    }
    let mut text = String::new();
    std::fs::File::open(path)?.take(limit + 1).read_to_string(&mut text)?;
    if text.len() as u64 > limit {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, format!("it is larger than {limit} bytes")));
    }
    Ok(text)
}

/// How long a secret command may run.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// Reads a secret. `env` gives the environment (the domain reads no variables itself).
pub fn resolve(
    reference: &SecretRef,
    env: &dyn Fn(&str) -> Option<String>,
    redactor: &Redactor,
) -> Result<Secret, Missing> {
    let missing = |reason: &str| Missing { reference: reference.describe(), reason: reason.to_owned() };
    let value = if let Some(name) = &reference.env {
        env(name).filter(|v| !v.is_empty()).ok_or_else(|| missing("not set"))?
    } else if let Some(path) = &reference.file {
        let text =
            read_small_file(path, MAX_SECRET_FILE_BYTES).map_err(|err| missing(&format!("cannot be read: {err}")))?;
        text.trim_end_matches(['\n', '\r']).to_owned()
    } else if let Some(argv) = &reference.command {
        run_secret_command(argv).map_err(|reason| missing(&reason))?
    } else {
        return Err(missing("names no source"));
    };
    // Blank is as good as unset: no credential is only spaces, and redacting spaces would
    // mangle every message.
    if value.trim().is_empty() {
        return Err(missing("is empty"));
    }
    redactor.add(&value);
    Ok(Secret(value))
}

fn run_secret_command(argv: &[String]) -> Result<String, String> {
    let (program, args) = argv.split_first().ok_or("names no program")?;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|err| format!("could not be started: {err}"))?;
    // Read while it runs: a command that prints more than a pipe holds would otherwise block.
    let mut stdout = child.stdout.take().ok_or("has no output")?;
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        (&mut stdout).take(MAX_SECRET_FILE_BYTES + 1).read_to_end(&mut out).map(|_| out)
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > COMMAND_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("did not finish within {} s", COMMAND_TIMEOUT.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(err) => return Err(err.to_string()),
        }
    };
    let out = reader
        .join()
        .map_err(|_| "its output could not be read".to_owned())?
        .map_err(|err| format!("printed unreadable output: {err}"))?;
    if !status.success() {
        return Err(format!("failed ({status})"));
    }
    if out.len() as u64 > MAX_SECRET_FILE_BYTES {
        return Err(format!("printed more than {MAX_SECRET_FILE_BYTES} bytes"));
    }
    let text = String::from_utf8(out).map_err(|_| "printed something that is not text".to_owned())?;
    Ok(text.trim_end_matches(['\n', '\r']).to_owned())
}

/// Collects every secret and token seen in a run and removes them from text about to be shown.
///
/// A secret is looked for in the *decoded* text rather than in a list of its encoded forms: at
/// every position of the text, `%XX` (either case), `+` (a space in a form or query), JSON's
/// `\uXXXX` (surrogate pairs too) and backslash escapes are read as what they stand for, and
/// compared with the secret. So every way a URL path, query, userinfo or fragment (whatever the
/// url crate's encode set), a form body or a JSON string writes a value is covered, mixed and
/// partial encodings too, without having to keep a list in step with the url crate. Only what
/// no decoding reveals is added as a form of its own: base64 (Basic credentials), and the
/// lower-cased and punycode forms a host name takes.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    needles: Arc<Mutex<BTreeSet<Needle>>>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Needle {
    text: Vec<u8>,
    /// Found only where no letter or digit touches it on either side.
    whole_token: bool,
}

/// Secrets shorter than this (in characters) are redacted only as whole tokens, where no letter
/// or digit touches them: every occurrence of a one-letter secret inside ordinary words would
/// make messages unreadable, while a short credential echoed back stands on its own (in a URL,
/// a header, a JSON string). Every secret is redacted, whatever its length.
pub const SHORT_SECRET_CHARS: usize = 4;

/// What a redacted value is replaced by.
pub const REDACTED: &str = "<redacted>";

impl Redactor {
    /// Remembers `value` as secret, with the forms no decoding reveals: base64, and the
    /// lower-cased and punycode forms of a host name.
    pub fn add(&self, value: &str) {
        if value.is_empty() {
            return;
        }
        let whole_token = value.chars().count() < SHORT_SECRET_CHARS;
        let mut forms = vec![value.to_owned()];
        for engine in [
            &base64::engine::general_purpose::STANDARD,
            &base64::engine::general_purpose::STANDARD_NO_PAD,
            &base64::engine::general_purpose::URL_SAFE,
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ] {
            forms.push(engine.encode(value));
        }
        forms.push(value.to_lowercase());
        if let Ok(url::Host::Domain(host)) = url::Host::parse(value) {
            forms.push(host);
        }
        let mut needles = self.needles.lock().unwrap_or_else(|e| e.into_inner());
        for text in forms {
            needles.insert(Needle { text: text.into_bytes(), whole_token });
        }
    }

    /// Whether `text` contains a remembered secret in any of its forms.
    pub fn contains_secret(&self, text: &str) -> bool {
        let needles = self.needles.lock().unwrap_or_else(|e| e.into_inner());
        !find(&needles, text, true).is_empty()
    }

    /// `text` with every remembered secret replaced by `<redacted>`.
    pub fn redact(&self, text: &str) -> String {
        let needles = self.needles.lock().unwrap_or_else(|e| e.into_inner());
        let mut spans = find(&needles, text, false);
        if spans.is_empty() {
            return text.to_owned();
        }
        spans.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut done = 0;
        for (start, end) in spans {
            if end <= done {
                continue;
            }
            if start >= done {
                out.push_str(&text[done..start]);
                out.push_str(REDACTED);
            }
            // An overlapping span extends the redaction already written.
            done = end;
        }
        out.push_str(&text[done..]);
        out
    }
}

/// Where the needles are in `text` (byte ranges, in order of their start); only the first when
/// `first_only`. Only positions where a needle or an escape can begin are tried.
fn find(needles: &BTreeSet<Needle>, text: &str, first_only: bool) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    if needles.is_empty() {
        return spans;
    }
    let mut may_start = [false; 256];
    for byte in needles.iter().filter_map(|n| n.text.first()).chain(b"%+\\") {
        may_start[usize::from(*byte)] = true;
    }
    let bytes = text.as_bytes();
    for (at, byte) in bytes.iter().enumerate() {
        if !may_start[usize::from(*byte)] || !text.is_char_boundary(at) {
            continue;
        }
        for needle in needles {
            if let Some(end) = match_at(bytes, at, &needle.text)
                && text.is_char_boundary(end)
                && bounded(text, at, end, needle)
            {
                spans.push((at, end));
                if first_only {
                    return spans;
                }
            }
        }
    }
    spans
}

/// Whether a match at `start..end` may count: a short secret must stand on its own.
fn bounded(text: &str, start: usize, end: usize, needle: &Needle) -> bool {
    if !needle.whole_token {
        return true;
    }
    let before = text.get(..start).and_then(|s| s.chars().next_back());
    let after = text.get(end..).and_then(|s| s.chars().next());
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// The `\uXXXX` at `at`, as a UTF-16 code unit.
fn json_unit(text: &[u8], at: usize) -> Option<u16> {
    let digits = text.get(at..at + 6)?;
    if digits[0] != b'\\' || digits[1] != b'u' {
        return None;
    }
    digits[2..].iter().try_fold(0u16, |acc, b| hex(*b).map(|d| acc * 16 + u16::from(d)))
}

/// What the escape at `at` stands for (its UTF-8 bytes) and how many bytes of `text` it takes,
/// or `None` when there is no escape there. A `+` is told apart by the caller.
fn decode_escape(text: &[u8], at: usize, buf: &mut [u8; 4]) -> Option<(usize, usize)> {
    match text[at] {
        b'%' => {
            let (hi, lo) = (hex(*text.get(at + 1)?)?, hex(*text.get(at + 2)?)?);
            buf[0] = hi * 16 + lo;
            Some((1, 3))
        }
        b'\\' => {
            let simple = match *text.get(at + 1)? {
                b'"' => Some(b'"'),
                b'\\' => Some(b'\\'),
                b'/' => Some(b'/'),
                b'b' => Some(0x08),
                b'f' => Some(0x0c),
                b'n' => Some(b'\n'),
                b'r' => Some(b'\r'),
                b't' => Some(b'\t'),
                _ => None,
            };
            if let Some(byte) = simple {
                buf[0] = byte;
                return Some((1, 2));
            }
            let first = json_unit(text, at)?;
            let (c, taken) = if (0xD800..0xDC00).contains(&first) {
                let second = json_unit(text, at + 6).filter(|u| (0xDC00..0xE000).contains(u))?;
                let code = 0x10000 + ((u32::from(first) - 0xD800) << 10) + (u32::from(second) - 0xDC00);
                (char::from_u32(code)?, 12)
            } else {
                (char::from_u32(u32::from(first))?, 6)
            };
            Some((c.encode_utf8(buf).len(), taken))
        }
        _ => None,
    }
}

/// Where a match of `needle` that begins at `at` of `text` ends, reading escapes as what they
/// stand for.
fn match_at(text: &[u8], at: usize, needle: &[u8]) -> Option<usize> {
    let first = *text.get(at)?;
    if !matches!(first, b'%' | b'+' | b'\\') && needle.first() != Some(&first) {
        return None;
    }
    let (mut i, mut j) = (at, 0);
    let mut buf = [0u8; 4];
    while j < needle.len() {
        let raw = *text.get(i)?;
        if raw == b'+' && matches!(needle[j], b'+' | b' ') {
            i += 1;
            j += 1;
            continue;
        }
        if let Some((len, taken)) = decode_escape(text, i, &mut buf)
            && needle.get(j..j + len) == Some(&buf[..len])
        {
            i += taken;
            j += len;
            continue;
        }
        if raw != needle[j] {
            return None;
        }
        i += 1;
        j += 1;
    }
    Some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn env_secrets_resolve_and_are_redacted_in_every_encoding() {
        let redactor = Redactor::default();
        let reference = SecretRef { env: Some("TOKEN".into()), command: None, file: None };
        let secret = resolve(&reference, &env_of(&[("TOKEN", "s3cr3t value/+")]), &redactor).unwrap();
        assert_eq!(secret.expose(), "s3cr3t value/+");
        assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
        let b64 = base64::engine::general_purpose::STANDARD.encode("s3cr3t value/+");
        let text = format!("a s3cr3t value/+ b {b64} c s3cr3t%20value%2F%2B d");
        assert_eq!(redactor.redact(&text), "a <redacted> b <redacted> c <redacted> d");
    }

    #[test]
    fn a_secret_is_redacted_in_every_url_encoding_of_the_url_crate() {
        // Regression: `Pä ss/wörd=S` showed as `P%C3%A4%20ss/w%C3%B6rd=S` (a path keeps `/` and `=`).
        let secret = "Pä ss/wörd=S";
        let redactor = Redactor::default();
        redactor.add(secret);
        let mut url = url::Url::parse("https://h.example/").unwrap();
        url.set_path(&format!("/a/{secret}"));
        url.set_query(Some(&format!("k={secret}")));
        url.set_fragment(Some(secret));
        let _ = url.set_password(Some(secret));
        url.query_pairs_mut().append_pair("form", secret);
        let shown = redactor.redact(url.as_str());
        assert!(!shown.contains("ss") && !shown.contains("rd"), "{shown}");
        for encoded in [
            "P%C3%A4%20ss/w%C3%B6rd=S",
            "P%c3%a4%20ss%2fw%c3%b6rd%3dS",
            "P%C3%A4+ss%2Fw%C3%B6rd%3DS",
            r"P\u00e4 ss\/w\u00F6rd=S",
            r"P\u00e4 ss/w\u00f6rd\u003dS",
        ] {
            assert_eq!(redactor.redact(&format!("x {encoded} y")), "x <redacted> y", "{encoded}");
            assert!(redactor.contains_secret(encoded), "{encoded}");
        }
        let json = serde_json::to_string(&serde_json::json!({ "v": secret })).unwrap();
        assert!(!redactor.redact(&json).contains("ss"), "{json}");
        assert!(!redactor.contains_secret("P%C3%A4%20ss/w%C3%B6rd=T"));
    }

    #[test]
    fn host_forms_of_a_secret_are_redacted() {
        // Regression: a secret in a host name showed lower-cased.
        let redactor = Redactor::default();
        redactor.add("TenantXY");
        redactor.add("Bücher");
        assert_eq!(redactor.redact("http://tenantxy.example.invalid/"), "http://<redacted>.example.invalid/");
        assert_eq!(redactor.redact("https://xn--bcher-kva.example/"), "https://<redacted>.example/");
    }

    #[test]
    fn short_secrets_are_redacted_as_whole_tokens_only() {
        // Regression: secrets under 4 characters were never redacted.
        let redactor = Redactor::default();
        redactor.add("k9Z");
        assert_eq!(redactor.redact("500: bad key k9Z"), "500: bad key <redacted>");
        assert_eq!(redactor.redact("/x/k9Z?key=k9Z&a"), "/x/<redacted>?key=<redacted>&a");
        assert_eq!(redactor.redact("ak9Zb stays"), "ak9Zb stays", "inside a word it is not the secret");
        let one = Redactor::default();
        one.add("a");
        assert_eq!(one.redact("a cat ate a"), "<redacted> cat ate <redacted>");
        assert!(!one.contains_secret("cat"));
        assert!(one.contains_secret("Team a"));
    }

    #[test]
    fn blank_secrets_are_not_configured() {
        let reference = SecretRef { env: Some("TOKEN".into()), command: None, file: None };
        let err = resolve(&reference, &env_of(&[("TOKEN", "   ")]), &Redactor::default()).unwrap_err();
        assert!(err.to_string().contains("is empty"), "{err}");
    }

    #[test]
    fn overlapping_forms_are_redacted_once() {
        let redactor = Redactor::default();
        redactor.add("abcdef");
        redactor.add("defghi");
        assert_eq!(redactor.redact("xabcdefghiy"), "x<redacted>y");
        assert_eq!(redactor.redact("no secret here"), "no secret here");
    }

    #[test]
    fn missing_secrets_name_the_reference_not_a_value() {
        let reference = SecretRef { env: Some("HALO_SECRET".into()), command: None, file: None };
        let err = resolve(&reference, &env_of(&[]), &Redactor::default()).unwrap_err();
        assert_eq!(err.to_string(), "environment variable HALO_SECRET: not set");
    }

    #[test]
    fn command_and_file_secrets_resolve() {
        let redactor = Redactor::default();
        let command = SecretRef { env: None, command: Some(vec!["echo".into(), "from-command".into()]), file: None };
        assert_eq!(resolve(&command, &env_of(&[]), &redactor).unwrap().expose(), "from-command");
        let failing = SecretRef { env: None, command: Some(vec!["false".into()]), file: None };
        assert!(resolve(&failing, &env_of(&[]), &redactor).is_err());
        // More output than a pipe holds must not block the command (regression: it waited for its
        // timeout).
        let long = SecretRef {
            env: None,
            command: Some(vec!["sh".into(), "-c".into(), "head -c 200000 /dev/zero | tr '\\0' x".into()]),
            file: None,
        };
        assert_eq!(resolve(&long, &env_of(&[]), &redactor).unwrap().expose().len(), 200_000);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        std::fs::write(&path, "from-file\n").unwrap();
        let file = SecretRef { env: None, command: None, file: Some(path) };
        assert_eq!(resolve(&file, &env_of(&[]), &redactor).unwrap().expose(), "from-file");
    }

    #[test]
    fn a_reference_names_exactly_one_source() {
        assert!(SecretRef { env: None, command: None, file: None }.check().is_err());
        assert!(SecretRef { env: Some("A".into()), command: None, file: Some("/x".into()) }.check().is_err());
        assert!(SecretRef { env: Some("A".into()), command: None, file: None }.check().is_ok());
    }
}
