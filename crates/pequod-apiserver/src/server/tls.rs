//! The server's credentials, generated into the data directory on first
//! start and reused afterwards: a CA, a serving certificate it signs, and
//! the admin bearer token.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;

/// Why credentials could not be loaded or made.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// Generating or parsing a certificate failed.
    #[error("certificates: {0}")]
    Cert(String),
}

/// The PEM files and token the server uses.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The CA certificate (PEM) clients trust.
    pub ca_pem: String,
    /// The serving certificate (PEM).
    pub cert_pem: String,
    /// The serving key (PEM).
    pub key_pem: String,
    /// The admin bearer token.
    pub token: String,
}

fn read(path: &Path) -> Result<Option<String>, TlsError> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(TlsError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

fn write(path: &Path, body: &str) -> Result<(), TlsError> {
    write_private(path, body.as_bytes()).map_err(|source| TlsError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Writes a file only its owner can read, from its creation on (keys,
/// tokens, kubeconfigs).
pub fn write_private(path: &Path, body: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        // An existing file keeps its mode on open: narrow it first.
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    options.open(path)?.write_all(body)
}

/// Creates `dir` (and its parents) and makes it owner-only.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn cert_error(e: impl std::fmt::Display) -> TlsError {
    TlsError::Cert(e.to_string())
}

impl Credentials {
    /// Loads `dir/pki/*` and `dir/token`, creating what is missing; the
    /// serving certificate names `hosts` (plus localhost and 127.0.0.1).
    pub fn load_or_create(dir: &Path, hosts: &[String]) -> Result<Self, TlsError> {
        let pki = dir.join("pki");
        create_private_dir(&pki).map_err(|source| TlsError::Io {
            path: pki.clone(),
            source,
        })?;
        let (ca_crt, ca_key) = (pki.join("ca.crt"), pki.join("ca.key"));
        let (srv_crt, srv_key) = (pki.join("apiserver.crt"), pki.join("apiserver.key"));
        let token_path = dir.join("token");
        let (ca_pem, ca_key_pem) = match (read(&ca_crt)?, read(&ca_key)?) {
            (Some(c), Some(k)) => (c, k),
            _ => {
                let (c, k) = generate_ca()?;
                write(&ca_crt, &c)?;
                write(&ca_key, &k)?;
                let _ = std::fs::remove_file(&srv_crt);
                (c, k)
            }
        };
        let mut names: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
        for h in hosts {
            if !names.contains(h) {
                names.push(h.clone());
            }
        }
        let names_path = pki.join("apiserver.names");
        let same_names = read(&names_path)?.as_deref() == Some(names.join(",").as_str());
        let (cert_pem, key_pem) = match (read(&srv_crt)?, read(&srv_key)?) {
            (Some(c), Some(k)) if same_names => (c, k),
            _ => {
                let (c, k) = generate_serving(&ca_key_pem, &names)?;
                write(&srv_crt, &c)?;
                write(&srv_key, &k)?;
                write(&names_path, &names.join(","))?;
                (c, k)
            }
        };
        let token = match read(&token_path)? {
            Some(t) if !t.trim().is_empty() => t.trim().to_owned(),
            _ => {
                let raw: Vec<u8> = (0..2)
                    .flat_map(|_| uuid::Uuid::new_v4().into_bytes())
                    .collect();
                let t = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
                write(&token_path, &t)?;
                t
            }
        };
        Ok(Self {
            ca_pem,
            cert_pem,
            key_pem,
            token,
        })
    }

    /// The rustls configuration: HTTP/2 and HTTP/1.1 by ALPN.
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs = CertificateDer::pem_slice_iter(self.cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(cert_error)?;
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes()).map_err(cert_error)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(cert_error)?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(cert_error)?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// The CA's parameters: the same on every start, so that the stored CA key
/// with them signs certificates that chain to the stored CA certificate.
fn ca_params() -> Result<rcgen::CertificateParams, TlsError> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyUsagePurpose};
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(cert_error)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "pequod-ca");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_after = rcgen::date_time_ymd(2036, 1, 1);
    Ok(params)
}

fn generate_ca() -> Result<(String, String), TlsError> {
    let params = ca_params()?;
    let key = rcgen::KeyPair::generate().map_err(cert_error)?;
    let cert = params.self_signed(&key).map_err(cert_error)?;
    Ok((cert.pem(), key.serialize_pem()))
}

fn generate_serving(ca_key_pem: &str, names: &[String]) -> Result<(String, String), TlsError> {
    use rcgen::{CertificateParams, DnType, ExtendedKeyUsagePurpose, Issuer, KeyPair};
    let ca_key = KeyPair::from_pem(ca_key_pem).map_err(cert_error)?;
    let issuer = Issuer::new(ca_params()?, ca_key);
    let mut params = CertificateParams::new(names.to_vec()).map_err(cert_error)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "pequod-apiserver");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.not_after = rcgen::date_time_ymd(2035, 1, 1);
    let key = KeyPair::generate().map_err(cert_error)?;
    let cert = params.signed_by(&key, &issuer).map_err(cert_error)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// An admin kubeconfig for a server at `url` with these credentials.
pub fn kubeconfig(url: &str, creds: &Credentials, context: &str) -> String {
    let ca = base64::engine::general_purpose::STANDARD.encode(&creds.ca_pem);
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: {context}\n  cluster:\n    server: {url}\n    certificate-authority-data: {ca}\nusers:\n- name: {context}-admin\n  user:\n    token: {token}\ncontexts:\n- name: {context}\n  context:\n    cluster: {context}\n    user: {context}-admin\n    namespace: default\ncurrent-context: {context}\n",
        token = creds.token
    )
}
