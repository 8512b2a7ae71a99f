//! Evaluates CUE files (one package) and prints the JSON export; a JSON file
//! given with `--inject FILE` is unified with the root (development aid).
//! A directory as the first argument loads the module package there.

#[allow(clippy::print_stdout)]
fn main() {
    let mut files = Vec::new();
    let mut inject = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--inject" {
            inject = args.next();
        } else {
            files.push(a);
        }
    }
    if files.is_empty() {
        eprintln!("usage: cueval FILE... [--inject FILE.json]");
        std::process::exit(2);
    }
    let dir = std::path::Path::new(&files[0]);
    let module = if dir.is_dir() {
        Some(pequod_cue::Compiled::from_dir(
            dir,
            ".",
            &pequod_cue::Tags::new(),
        ))
    } else {
        None
    };
    let sources: Vec<(String, String)> = files
        .iter()
        .map(|f| (f.clone(), std::fs::read_to_string(f).unwrap_or_default()))
        .collect();
    let refs: Vec<(&str, &str)> = sources
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_str()))
        .collect();
    let loaded = match module {
        Some(m) => m,
        None => pequod_cue::Compiled::from_sources(&refs).map_err(Into::into),
    };
    let c = match loaded {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let json: Option<serde_json::Value> = inject
        .and_then(|f| std::fs::read_to_string(f).ok())
        .and_then(|t| serde_json::from_str(&t).ok());
    let injected: Vec<(&str, serde_json::Value)> = json.into_iter().map(|j| ("", j)).collect();
    let mut i = c.eval_with(&injected);
    let r = i.root();
    match i.to_json(r, true) {
        Ok(s) => println!("{s}"),
        Err(e) => {
            let all = i.export_errors(r);
            if all.is_empty() {
                eprintln!("{}", e.detailed());
            }
            for e in all {
                eprintln!("{}", e.detailed());
            }
            std::process::exit(1);
        }
    }
}
