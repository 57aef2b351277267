//! A TLS fixture server on 127.0.0.1 with a freshly generated self-signed certificate, for the
//! connection tests: a client that checks certificates must refuse it. Each TLS handshake is
//! counted, and so is each handshake that failed (the client hung up on the certificate).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::fixture::Counter;

/// A running TLS server that answers `200 {}` to anyone who accepts its certificate.
pub struct TlsServer {
    pub addr: SocketAddr,
    /// TCP connections accepted.
    pub connections: Counter,
    /// Handshakes that failed.
    pub failed_handshakes: Counter,
    runtime: Option<tokio::runtime::Runtime>,
}

impl TlsServer {
    /// Serves on 127.0.0.1 with a free port and a self-signed certificate for `localhost` and
    /// `127.0.0.1`.
    pub fn start() -> Self {
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("generate a self-signed certificate");
        let cert: CertificateDer<'static> = certified.cert.der().clone();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der()));
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .expect("server certificate");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("fixture runtime");
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind a loopback port");
        let addr = listener.local_addr().expect("address");
        let connections = Counter::default();
        let failed_handshakes = Counter::default();
        let (accepted, failed) = (connections.clone(), failed_handshakes.clone());
        runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                accepted.hit();
                let acceptor = acceptor.clone();
                let failed = failed.clone();
                tokio::spawn(async move {
                    match acceptor.accept(stream).await {
                        Ok(mut tls) => {
                            let mut buf = vec![0u8; 8192];
                            let _ = tls.read(&mut buf).await;
                            let _ = tls
                                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
                                .await;
                            let _ = tls.shutdown().await;
                        }
                        Err(_) => {
                            failed.hit();
                        }
                    }
                });
            }
        });
        TlsServer { addr, connections, failed_handshakes, runtime: Some(runtime) }
    }

    /// `https://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("https://{}", self.addr)
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
