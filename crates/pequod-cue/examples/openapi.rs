//! Prints the structural OpenAPI v3 schema of a definition (default
//! `#Spec`) of the CUE files given (one package): `openapi FILE... [-e PATH]`.

#[allow(clippy::print_stdout)]
fn main() {
    let mut files = Vec::new();
    let mut path = "#Spec".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "-e" {
            path = args.next().unwrap_or(path);
        } else {
            files.push(a);
        }
    }
    if files.is_empty() {
        eprintln!("usage: openapi FILE... [-e PATH]");
        std::process::exit(2);
    }
    let sources: Vec<(String, String)> = files
        .iter()
        .map(|f| (f.clone(), std::fs::read_to_string(f).unwrap_or_default()))
        .collect();
    let refs: Vec<(&str, &str)> = sources
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_str()))
        .collect();
    let c = match pequod_cue::Compiled::from_sources(&refs) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let mut i = c.eval();
    match pequod_cue::openapi_schema(&mut i, &path) {
        Ok(s) => println!(
            "{}",
            serde_json::to_string_pretty(&s).unwrap_or_else(|e| e.to_string())
        ),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
