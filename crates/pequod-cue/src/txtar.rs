//! The txtar archive format (as in Go's `golang.org/x/tools/txtar`): a
//! free-form comment, then files each introduced by a `-- name --` line.

/// One file of an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveFile {
    /// The name between the markers.
    pub name: String,
    /// The content, every line ending in a newline.
    pub data: String,
}

/// A parsed archive.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Archive {
    /// Text before the first file marker.
    pub comment: String,
    /// The files in order.
    pub files: Vec<ArchiveFile>,
}

impl Archive {
    /// The first file with the given name.
    pub fn file(&self, name: &str) -> Option<&ArchiveFile> {
        self.files.iter().find(|f| f.name == name)
    }
}

/// The file name of a marker line `-- name --`, if it is one.
fn marker_name(line: &str) -> Option<&str> {
    let line = line.strip_suffix('\n').unwrap_or(line);
    let line = line.strip_suffix('\r').unwrap_or(line);
    let inner = line.strip_prefix("-- ")?.strip_suffix(" --")?;
    let name = inner.trim();
    if name.is_empty() { None } else { Some(name) }
}

fn fix_newline(mut s: String) -> String {
    if !s.is_empty() && !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// Parses an archive; any text is a valid archive.
pub fn parse(text: &str) -> Archive {
    let mut archive = Archive::default();
    let mut current: Option<String> = None;
    let mut buf = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(name) = marker_name(line) {
            let data = fix_newline(std::mem::take(&mut buf));
            match current.take() {
                None => archive.comment = data,
                Some(n) => archive.files.push(ArchiveFile { name: n, data }),
            }
            current = Some(name.to_string());
        } else {
            buf.push_str(line);
        }
    }
    let data = fix_newline(buf);
    match current {
        None => archive.comment = data,
        Some(n) => archive.files.push(ArchiveFile { name: n, data }),
    }
    archive
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sections() {
        let a = parse(
            "comment\n-- a.cue --\nx: 1\n-- out/eval --\nx: 1\n-- empty --\n-- last --\nno newline",
        );
        assert_eq!(a.comment, "comment\n");
        assert_eq!(a.files.len(), 4);
        assert_eq!(a.files[0].name, "a.cue");
        assert_eq!(a.files[0].data, "x: 1\n");
        assert_eq!(a.file("empty").map(|f| f.data.as_str()), Some(""));
        assert_eq!(a.files[3].data, "no newline\n");
    }

    #[test]
    fn no_markers() {
        let a = parse("just text");
        assert_eq!(a.comment, "just text\n");
        assert!(a.files.is_empty());
        assert!(parse("-- x.cue").files.is_empty());
    }
}
