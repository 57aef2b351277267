//! Secret references (`{ env = "…" }`, `{ command = […] }`, `{ file = "…" }`), their resolution,
//! and the redaction of every resolved value from anything orgmap prints.
//!
//! orgmap never stores a secret: it is read when a request needs it, held in memory for the run,
//! and scrubbed — plain, base64- and percent-encoded — from error messages.

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
    if value.is_empty() {
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
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    needles: Arc<Mutex<BTreeSet<String>>>,
}

/// Values shorter than this are not redacted: they would mangle ordinary text and are no secret.
const MIN_REDACTED_LEN: usize = 4;

impl Redactor {
    /// Remembers `value`, and its base64 and percent-encoded forms, as secret.
    pub fn add(&self, value: &str) {
        if value.len() < MIN_REDACTED_LEN {
            return;
        }
        let mut needles = self.needles.lock().unwrap_or_else(|e| e.into_inner());
        needles.insert(value.to_owned());
        needles.insert(base64::engine::general_purpose::STANDARD.encode(value));
        needles.insert(base64::engine::general_purpose::STANDARD_NO_PAD.encode(value));
        needles.insert(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value));
        let percent = percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string();
        needles.insert(percent.clone());
        needles.insert(percent.replace("%20", "+"));
        // As a query string or form body encodes it (`@` as %40, `-._*` as they are).
        needles.insert(url::form_urlencoded::byte_serialize(value.as_bytes()).collect());
        // As JSON writes it inside a string, with and without non-ASCII escaped.
        let json = serde_json::to_string(value).unwrap_or_default();
        let json = json.trim_matches('"').to_owned();
        let ascii: String = json
            .chars()
            .flat_map(|c| {
                if c.is_ascii() {
                    vec![c.to_string()]
                } else {
                    let mut units = [0u16; 2];
                    c.encode_utf16(&mut units).iter().map(|u| format!("\\u{u:04x}")).collect()
                }
            })
            .collect();
        needles.insert(json);
        needles.insert(ascii);
        // As a URL path segment encodes it.
        const PATH: &percent_encoding::AsciiSet =
            &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
        needles.insert(percent_encoding::utf8_percent_encode(value, PATH).to_string());
    }

    /// Whether `text` contains a remembered secret in any of its forms.
    pub fn contains_secret(&self, text: &str) -> bool {
        let needles = self.needles.lock().unwrap_or_else(|e| e.into_inner());
        needles.iter().any(|n| text.contains(n.as_str()))
    }

    /// `text` with every remembered secret replaced by `<redacted>`.
    pub fn redact(&self, text: &str) -> String {
        let needles = self.needles.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = text.to_owned();
        // Longest first, so that an encoded form containing a shorter secret goes whole.
        let mut ordered: Vec<&String> = needles.iter().collect();
        ordered.sort_by_key(|n| std::cmp::Reverse(n.len()));
        for needle in ordered {
            if out.contains(needle.as_str()) {
                out = out.replace(needle.as_str(), "<redacted>");
            }
        }
        out
    }
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
