//! `pequod crds`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

pub(crate) fn run(out_dir: Option<&Path>) -> anyhow::Result<ExitCode> {
    let crds = pequod_api::crds();
    match out_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            for crd in &crds {
                let path = dir.join(pequod_api::crd_file_name(crd));
                std::fs::write(&path, pequod_api::crd_yaml(crd)?)
                    .with_context(|| format!("writing {}", path.display()))?;
                eprintln!("wrote {}", path.display());
            }
        }
        None => {
            let mut out = std::io::stdout().lock();
            for crd in &crds {
                writeln!(out, "---")?;
                out.write_all(pequod_api::crd_yaml(crd)?.as_bytes())?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
