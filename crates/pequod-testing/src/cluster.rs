//! [`TestCluster`]: one interface over the servers Pequod's tests run against.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::ResourceExt;
use kube::api::{ObjectMeta, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::wait::{await_condition, conditions};
use kube::{Api, Client, Config};

use crate::Error;
use crate::harness::Harness;

/// Environment variable naming the kubeconfig of an already running
/// kube-apiserver harness (set by `cargo xtask test` so that every test
/// binary shares one).
pub const KUBE_APISERVER_KUBECONFIG_ENV: &str = "PEQUOD_TEST_KUBE_APISERVER_KUBECONFIG";

/// Which server a [`TestCluster`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The real kube-apiserver + kube-controller-manager + etcd built from
    /// the official Kubernetes modules in `test/kube-apiserver/`.
    KubeApiserver,
    /// Pequod's embedded API server on SQLite (`pequod-apiserver`), run
    /// in-process on a thread of its own.
    Embedded,
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Backend::KubeApiserver => "kube-apiserver",
            Backend::Embedded => "embedded",
        })
    }
}

/// A Kubernetes API server shared by the tests of one test binary.
#[derive(Debug)]
pub struct TestCluster {
    backend: Backend,
    kubeconfig: PathBuf,
    /// The harness of a private cluster, stopped when the cluster is dropped.
    _own: Option<Harness>,
}

/// Label put on every namespace a test creates.
const TEST_LABEL: &str = "pequod.io/test";

impl TestCluster {
    /// The real kube-apiserver: the one named by
    /// `PEQUOD_TEST_KUBE_APISERVER_KUBECONFIG`, or else one started now for
    /// this test binary (building it on first use) and kept until it exits.
    pub fn kube_apiserver() -> Result<&'static TestCluster, Error> {
        static CLUSTER: OnceLock<Result<TestCluster, String>> = OnceLock::new();
        static HARNESS: OnceLock<Harness> = OnceLock::new();
        CLUSTER
            .get_or_init(|| {
                let kubeconfig = match std::env::var_os(KUBE_APISERVER_KUBECONFIG_ENV) {
                    Some(path) if !path.is_empty() => PathBuf::from(path),
                    _ => {
                        let harness = Harness::start().map_err(|e| e.to_string())?;
                        HARNESS.get_or_init(|| harness).kubeconfig().to_owned()
                    }
                };
                Ok(TestCluster {
                    backend: Backend::KubeApiserver,
                    kubeconfig,
                    _own: None,
                })
            })
            .as_ref()
            .map_err(|message| Error::Start {
                what: "kube-apiserver",
                message: message.clone(),
            })
    }

    /// Pequod's embedded API server, started once per test binary on a
    /// thread with its own runtime, its data in a fresh temporary directory.
    pub fn embedded() -> Result<&'static TestCluster, Error> {
        static CLUSTER: OnceLock<Result<TestCluster, String>> = OnceLock::new();
        CLUSTER
            .get_or_init(|| {
                let kubeconfig = crate::embedded::start().map_err(|e| e.to_string())?;
                Ok(TestCluster {
                    backend: Backend::Embedded,
                    kubeconfig,
                    _own: None,
                })
            })
            .as_ref()
            .map_err(|message| Error::Start {
                what: "embedded API server",
                message: message.clone(),
            })
    }

    /// A real kube-apiserver of the caller's own, never shared: for tests
    /// that change cluster-wide behaviour (admission webhooks). It stops
    /// when the returned cluster is dropped.
    pub fn private_kube_apiserver() -> Result<TestCluster, Error> {
        let harness = Harness::start()?;
        Ok(TestCluster {
            backend: Backend::KubeApiserver,
            kubeconfig: harness.kubeconfig().to_owned(),
            _own: Some(harness),
        })
    }

    /// The cluster of `backend`.
    pub fn of(backend: Backend) -> Result<&'static TestCluster, Error> {
        match backend {
            Backend::KubeApiserver => Self::kube_apiserver(),
            Backend::Embedded => Self::embedded(),
        }
    }

    /// Which server this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The admin kubeconfig of the cluster.
    pub fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    /// The client configuration for the cluster's admin user.
    pub async fn config(&self) -> Result<Config, Error> {
        let kubeconfig =
            Kubeconfig::read_from(&self.kubeconfig).map_err(|source| Error::Kubeconfig {
                path: self.kubeconfig.clone(),
                source,
            })?;
        Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
            .await
            .map_err(|source| Error::Kubeconfig {
                path: self.kubeconfig.clone(),
                source,
            })
    }

    /// A new admin client, bound to the calling test's async runtime.
    pub async fn client(&self) -> Result<Client, Error> {
        Ok(Client::try_from(self.config().await?)?)
    }

    /// Creates a namespace named `prefix-<unique suffix>` for one test and
    /// returns its name.
    pub async fn create_namespace(&self, client: &Client, prefix: &str) -> Result<String, Error> {
        let name = crate::unique_name(prefix);
        let namespace = Namespace {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                labels: Some(BTreeMap::from([(TEST_LABEL.to_owned(), "true".to_owned())])),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        };
        Api::<Namespace>::all(client.clone())
            .create(&PostParams::default(), &namespace)
            .await?;
        Ok(name)
    }

    /// Server-side applies `crds` and waits until each is Established, so
    /// tests of different binaries can install the same CRDs concurrently.
    pub async fn apply_crds(
        &self,
        client: &Client,
        crds: &[CustomResourceDefinition],
    ) -> Result<(), Error> {
        let api: Api<CustomResourceDefinition> = Api::all(client.clone());
        for crd in crds {
            let name = crd.name_any();
            api.patch(
                &name,
                &PatchParams::apply("pequod-testing").force(),
                &Patch::Apply(crd),
            )
            .await?;
            let established = await_condition(api.clone(), &name, conditions::is_crd_established());
            match tokio::time::timeout(Duration::from_secs(60), established).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    return Err(Error::Start {
                        what: "CRD",
                        message: format!("{name}: {e}"),
                    });
                }
                Err(_) => {
                    return Err(Error::Start {
                        what: "CRD",
                        message: format!("{name} not Established after 60s"),
                    });
                }
            }
        }
        Ok(())
    }

    /// A real `kubectl` set up to talk to this cluster.
    pub fn kubectl(&self) -> Command {
        let mut command = Command::new(crate::kubectl::kubectl_path());
        // A discovery cache of this server's own: ~/.kube/cache is keyed by
        // host and port, which later servers reuse with other resources.
        command
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(self.kubeconfig.with_extension("kubectl-cache"));
        command
    }
}
