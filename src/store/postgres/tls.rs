//! TLS to the PostgreSQL server, with libpq's meanings of `sslmode`: `disable` never encrypts;
//! `prefer` (the default) encrypts when the server offers it and `require` insists, both without
//! checking the certificate unless a root certificate is given (then, as `verify-ca`);
//! `verify-ca` checks the chain and `verify-full` the chain and the host name, against
//! `sslrootcert` (default `~/.postgresql/root.crt`, or `system` for the platform's roots).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::DigitallySignedStruct;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_postgres_rustls::MakeRustlsConnect;

/// How much TLS a connection needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// Where the certificates that a server's certificate must chain to come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootCert {
    File(PathBuf),
    /// The platform's trusted roots (`sslrootcert=system`).
    System,
}

/// The TLS parameters of a store URL, which the PostgreSQL client library does not all know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    pub mode: SslMode,
    /// Given in the URL or `PGSSLROOTCERT`; `None` means the default file, if it exists.
    pub root_cert: Option<RootCert>,
}

impl SslMode {
    pub fn parse(text: &str) -> Option<SslMode> {
        Some(match text {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    /// The client library's mode: it knows whether to try TLS, not how to check it.
    pub fn library_mode(self) -> postgres::config::SslMode {
        match self {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Prefer => postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => postgres::config::SslMode::Require,
        }
    }
}

/// Takes `sslmode` and `sslrootcert` out of a URL's query (the rest goes to the client library),
/// falling back to `PGSSLMODE` and `PGSSLROOTCERT`.
pub fn take_tls_params(url: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<(String, TlsSettings), String> {
    let mut mode = env("PGSSLMODE");
    let mut root = env("PGSSLROOTCERT");
    // Worked on the text as written: every other parameter, and URLs with several hosts, must
    // reach the client library exactly as the user wrote them.
    let url = match url.split_once('?') {
        Some((base, query)) => {
            let mut kept = Vec::new();
            for pair in query.split('&') {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                let decoded = || percent_encoding::percent_decode_str(value).decode_utf8_lossy().into_owned();
                match percent_encoding::percent_decode_str(key).decode_utf8_lossy().as_ref() {
                    "sslmode" => mode = Some(decoded()),
                    "sslrootcert" => root = Some(decoded()),
                    _ => kept.push(pair),
                }
            }
            if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) }
        }
        None => url.to_owned(),
    };
    let root_cert = root.map(|text| if text == "system" { RootCert::System } else { RootCert::File(text.into()) });
    let mode = match mode {
        Some(text) => SslMode::parse(&text).ok_or_else(|| {
            format!("sslmode={text:?} is not one of disable, allow, prefer, require, verify-ca, verify-full")
        })?,
        // As in libpq 16: the platform's roots are for checking the host name too.
        None if root_cert == Some(RootCert::System) => SslMode::VerifyFull,
        None => SslMode::Prefer,
    };
    if root_cert == Some(RootCert::System) && mode != SslMode::VerifyFull {
        return Err("sslrootcert=system is for sslmode=verify-full only".into());
    }
    Ok((url, TlsSettings { mode, root_cert }))
}

/// The connector for `settings`; `home` is where `~/.postgresql/root.crt` is looked for.
pub fn connector(settings: &TlsSettings, home: Option<&Path>) -> Result<MakeRustlsConnect, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let default_root = home.map(|home| home.join(".postgresql/root.crt")).filter(|path| path.is_file());
    let root = settings.root_cert.clone().or(default_root.map(RootCert::File));
    let verifier: Arc<dyn ServerCertVerifier> = match (settings.mode, root) {
        (SslMode::Disable | SslMode::Prefer | SslMode::Require, None) => Arc::new(Unverified(provider.clone())),
        (SslMode::VerifyCa | SslMode::VerifyFull, None) => {
            return Err(format!(
                "sslmode={} needs the certificate of the authority that signed the server's: put it in \
                 ~/.postgresql/root.crt, or add sslrootcert=PATH (or sslrootcert=system) to the URL",
                if settings.mode == SslMode::VerifyCa { "verify-ca" } else { "verify-full" }
            ));
        }
        // Only with verify-full (see `take_tls_params`).
        (_, Some(RootCert::System)) => Arc::new(
            rustls_platform_verifier::Verifier::new(provider.clone())
                .map_err(|err| format!("the platform's root certificates cannot be used: {err}"))?,
        ),
        (mode, Some(RootCert::File(path))) => {
            let mut roots = rustls::RootCertStore::empty();
            let certs = CertificateDer::pem_file_iter(&path)
                .map_err(|err| format!("sslrootcert {} cannot be read: {err}", path.display()))?;
            for cert in certs {
                let cert = cert.map_err(|err| format!("sslrootcert {} cannot be read: {err}", path.display()))?;
                roots.add(cert).map_err(|err| format!("sslrootcert {}: {err}", path.display()))?;
            }
            if roots.is_empty() {
                return Err(format!("sslrootcert {} holds no certificate", path.display()));
            }
            let webpki: Arc<dyn ServerCertVerifier> =
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .map_err(|err| format!("sslrootcert {}: {err}", path.display()))?;
            if mode == SslMode::VerifyFull { webpki } else { Arc::new(AnyName(webpki)) }
        }
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| err.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// Encrypts without checking who answers, as libpq's `prefer` and `require` do without a root
/// certificate: it keeps the traffic from being read, not from being redirected.
#[derive(Debug)]
struct Unverified(Arc<CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted root, whatever host name the certificate names.
#[derive(Debug)]
struct AnyName(Arc<dyn ServerCertVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.0.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName | rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_parameters_leave_the_url_and_the_environment_fills_in() {
        let no_env = |_: &str| None;
        let (url, tls) = take_tls_params(
            "postgres://u@db/orgmap?sslmode=verify-full&options=-c%20lock_timeout%3D1000&sslrootcert=/ca.pem&connect_timeout=3",
            &no_env,
        )
        .unwrap();
        assert_eq!(
            url, "postgres://u@db/orgmap?options=-c%20lock_timeout%3D1000&connect_timeout=3",
            "the rest as written"
        );
        assert_eq!(tls, TlsSettings { mode: SslMode::VerifyFull, root_cert: Some(RootCert::File("/ca.pem".into())) });
        let env = |name: &str| (name == "PGSSLMODE").then(|| "require".to_owned());
        let (url, tls) = take_tls_params("postgres://u@db/orgmap", &env).unwrap();
        assert_eq!(url, "postgres://u@db/orgmap");
        assert_eq!(tls.mode, SslMode::Require);
        assert!(take_tls_params("postgres://u@db/x?sslmode=sometimes", &no_env).is_err());
        let (_, tls) = take_tls_params("postgres://u@db/x?sslrootcert=system", &no_env).unwrap();
        assert_eq!(tls, TlsSettings { mode: SslMode::VerifyFull, root_cert: Some(RootCert::System) });
        assert!(take_tls_params("postgres://u@db/x?sslrootcert=system&sslmode=require", &no_env).is_err());
        let (url, tls) = take_tls_params("postgres://u@h1:5432,h2:5432/db?sslmode=require", &no_env).unwrap();
        assert_eq!((url.as_str(), tls.mode), ("postgres://u@h1:5432,h2:5432/db", SslMode::Require), "several hosts");
    }

    #[test]
    fn verifying_without_a_root_certificate_says_where_to_put_one() {
        let settings = TlsSettings { mode: SslMode::VerifyFull, root_cert: None };
        let err = connector(&settings, None).err().unwrap();
        assert!(err.contains("~/.postgresql/root.crt"), "{err}");
        assert!(connector(&TlsSettings { mode: SslMode::Require, root_cert: None }, None).is_ok());
    }
}
