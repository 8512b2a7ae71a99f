//! Serving certificates for the webhook server: read from a directory
//! (`tls.crt`, `tls.key`, as cert-manager or a Secret mount writes them) and
//! re-read when they change, or generated at start (a CA and a serving
//! certificate signed by it).

use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use rustls::crypto::ring::sign::any_supported_type;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::Error;

fn tls_error(what: impl Into<String>, message: impl std::fmt::Display) -> Error {
    Error::Io {
        what: what.into(),
        source: std::io::Error::other(message.to_string()),
    }
}

/// The serving certificate, swappable while serving.
#[derive(Debug)]
pub struct Tls {
    current: RwLock<Arc<CertifiedKey>>,
    dir: Option<PathBuf>,
    loaded_at: RwLock<Option<SystemTime>>,
    ca_bundle: Option<String>,
}

fn certified(cert_pem: &[u8], key_pem: &[u8]) -> Result<CertifiedKey, Error> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls_error("reading the certificate", e))?;
    if chain.is_empty() {
        return Err(tls_error("reading the certificate", "no certificate found"));
    }
    let key =
        PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| tls_error("reading the key", e))?;
    let key = any_supported_type(&key).map_err(|e| tls_error("loading the key", e))?;
    Ok(CertifiedKey::new(chain, key))
}

fn modified(dir: &Path) -> Option<SystemTime> {
    ["tls.crt", "tls.key"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok()?.modified().ok())
        .max()
}

impl Tls {
    /// Reads `tls.crt` and `tls.key` from `dir` (`--webhook-cert-dir`).
    pub fn from_dir(dir: impl Into<PathBuf>) -> Result<Arc<Self>, Error> {
        let dir = dir.into();
        let key = Self::read_dir(&dir)?;
        Ok(Arc::new(Self {
            current: RwLock::new(Arc::new(key)),
            loaded_at: RwLock::new(modified(&dir)),
            dir: Some(dir),
            ca_bundle: None,
        }))
    }

    fn read_dir(dir: &Path) -> Result<CertifiedKey, Error> {
        let read = |name: &str| {
            std::fs::read(dir.join(name)).map_err(|source| Error::Io {
                what: format!("reading {}", dir.join(name).display()),
                source,
            })
        };
        certified(&read("tls.crt")?, &read("tls.key")?)
    }

    /// Generates a CA and a serving certificate for `names` (DNS names or
    /// IP addresses); [`Tls::ca_bundle`] is the PEM to put in the webhook
    /// configuration's `caBundle`.
    pub fn self_signed(names: &[String]) -> Result<Arc<Self>, Error> {
        let (cert, key, ca) =
            generate(names).map_err(|e| tls_error("generating certificates", e))?;
        let key = certified(cert.as_bytes(), key.as_bytes())?;
        Ok(Arc::new(Self {
            current: RwLock::new(Arc::new(key)),
            dir: None,
            loaded_at: RwLock::new(None),
            ca_bundle: Some(ca),
        }))
    }

    /// The CA that signed a generated certificate (`None` for a directory).
    pub fn ca_bundle(&self) -> Option<&str> {
        self.ca_bundle.as_deref()
    }

    /// Re-reads the directory if its files changed; returns whether the
    /// certificate was replaced.
    pub fn reload(&self) -> Result<bool, Error> {
        let Some(dir) = &self.dir else {
            return Ok(false);
        };
        let now = modified(dir);
        let mut loaded = self
            .loaded_at
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if now == *loaded {
            return Ok(false);
        }
        let key = Self::read_dir(dir)?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(key);
        *loaded = now;
        tracing::info!(dir = %dir.display(), "reloaded the webhook serving certificate");
        Ok(true)
    }

    /// Re-reads the directory every `period` until the returned task is
    /// aborted (rotation by cert-manager or a Secret update).
    pub fn watch(self: &Arc<Self>, period: Duration) -> tokio::task::JoinHandle<()> {
        let this = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(period).await;
                if let Err(error) = this.reload() {
                    tracing::warn!(%error, "webhook certificate reload failed; keeping the old one");
                }
            }
        })
    }

    pub(super) fn server_config(self: &Arc<Self>) -> Result<rustls::ServerConfig, Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_error("configuring TLS", e))?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(Resolver(Arc::clone(self))));
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

#[derive(Debug)]
struct Resolver(Arc<Tls>);

impl ResolvesServerCert for Resolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(
            &self
                .0
                .current
                .read()
                .unwrap_or_else(PoisonError::into_inner),
        ))
    }
}

/// A CA and a serving certificate signed by it: (cert PEM, key PEM, CA PEM).
fn generate(names: &[String]) -> Result<(String, String, String), rcgen::Error> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "pequod-webhook-ca");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);
    let mut params = CertificateParams::new(names.to_vec())?;
    params.distinguished_name.push(
        DnType::CommonName,
        names.first().map_or("pequod-webhook", String::as_str),
    );
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &issuer)?;
    Ok((cert.pem(), key.serialize_pem(), ca_cert.pem()))
}

/// Writes a generated CA-signed pair into `dir` as `tls.crt` and `tls.key`
/// and returns the CA PEM (for tests and first installs).
pub fn write_self_signed(dir: &Path, names: &[String]) -> Result<String, Error> {
    let (cert, key, ca) = generate(names).map_err(|e| tls_error("generating certificates", e))?;
    for (name, body) in [("tls.crt", cert), ("tls.key", key)] {
        std::fs::write(dir.join(name), body).map_err(|source| Error::Io {
            what: format!("writing {}", dir.join(name).display()),
            source,
        })?;
    }
    Ok(ca)
}
