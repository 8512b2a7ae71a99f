//! `CUE_EXPERIMENT`: the official CLI v0.17 rejects unknown experiments and
//! changes to stable ones before any command runs. Its global experiments
//! are all stable (permanently on) but `formatv2`, which exists only from
//! v0.18 (`cue help experiments`), so none changes what pequod evaluates.

/// The stable global experiments, in the order the official CLI checks
/// them (after `formatv2`, before unknown names).
const STABLE: [&str; 8] = [
    "cmdreferencepkg",
    "decodeint64",
    "embed",
    "evalv3",
    "keepvalidators",
    "modules",
    "toposort",
    "yamlv3decoder",
];

/// Only settable from this version on.
const FUTURE: (&str, &str) = ("formatv2", "v0.18.0");

/// The official CLI's error for the value of `CUE_EXPERIMENT`, if any.
pub(super) fn check(value: &str) -> Option<String> {
    let mut set: Vec<(&str, bool)> = Vec::new();
    for item in value.split(',').filter(|i| !i.is_empty()) {
        let (name, on) = match item.split_once('=') {
            Some((name, v)) => match parse_bool(v) {
                Some(on) => (name, on),
                None => {
                    return Some(format!(
                        "cannot parse CUE_EXPERIMENT: invalid value {v:?} for experiment {name:?}"
                    ));
                }
            },
            None => (item, true),
        };
        set.push((name, on));
    }
    // The last setting of a name wins.
    let last = |name: &str| {
        set.iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, on)| *on)
    };
    let mut errors = Vec::new();
    if last(FUTURE.0) == Some(true) {
        errors.push(format!(
            "cannot set experiment {:?} before version {}",
            FUTURE.0, FUTURE.1
        ));
    }
    for name in STABLE {
        if last(name) == Some(false) {
            errors.push(format!("cannot disable stable experiment {name:?}"));
        }
    }
    let mut unknown: Vec<&str> = Vec::new();
    for (name, _) in &set {
        if !STABLE.contains(name) && *name != FUTURE.0 && !unknown.contains(name) {
            unknown.push(name);
        }
    }
    for name in unknown {
        errors.push(format!("unknown experiment {name:?}"));
    }
    (!errors.is_empty()).then(|| format!("error in CUE_EXPERIMENT: {}", errors.join("\n")))
}

/// A boolean as Go's `strconv.ParseBool` reads it.
fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_and_stable_experiments_are_rejected() {
        assert_eq!(check("evalv3=1,,formatv2=0"), None);
        assert_eq!(
            check("unknown,evalv3=0").as_deref(),
            Some(
                "error in CUE_EXPERIMENT: cannot disable stable experiment \"evalv3\"\nunknown experiment \"unknown\""
            )
        );
        assert_eq!(
            check("unknown,evalv3=x").as_deref(),
            Some("cannot parse CUE_EXPERIMENT: invalid value \"x\" for experiment \"evalv3\"")
        );
        assert_eq!(
            check("formatv2").as_deref(),
            Some(
                "error in CUE_EXPERIMENT: cannot set experiment \"formatv2\" before version v0.18.0"
            )
        );
    }
}
