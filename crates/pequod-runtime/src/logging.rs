//! Logging flags as controller-runtime operators know them
//! (`--zap-log-level`, `--zap-encoder`), mapped onto `tracing`.
//!
//! `RUST_LOG`, when set, takes precedence over `--zap-log-level`.

use std::str::FromStr;

use tracing_subscriber::EnvFilter;

use crate::Error;

/// `--zap-log-level`: `debug`, `info`, `error` (also `warn`, `panic`), or an
/// integer verbosity > 0 (1 is debug, 2 and more trace).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogLevel {
    /// Everything down to debug.
    Debug,
    /// Info and above (the default).
    #[default]
    Info,
    /// Warnings and errors.
    Warn,
    /// Errors only (`panic` maps here too).
    Error,
    /// Custom verbosity: 1 is debug, 2 and more trace.
    Verbosity(u8),
}

impl FromStr for LogLevel {
    type Err = Error;

    fn from_str(value: &str) -> Result<Self, Error> {
        match value.to_ascii_lowercase().as_str() {
            "debug" => Ok(Self::Debug),
            "info" => Ok(Self::Info),
            "warn" => Ok(Self::Warn),
            "error" | "dpanic" | "panic" | "fatal" => Ok(Self::Error),
            other => match other.parse::<u8>() {
                Ok(n) if n > 0 => Ok(Self::Verbosity(n)),
                _ => Err(Error::Flag {
                    flag: "--zap-log-level",
                    value: value.to_owned(),
                    expected: "debug, info, error or an integer > 0",
                }),
            },
        }
    }
}

impl LogLevel {
    /// The `tracing` filter directive for this level.
    pub fn directive(self) -> &'static str {
        match self {
            Self::Debug | Self::Verbosity(1) => "debug",
            Self::Verbosity(_) => "trace",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
        }
    }
}

/// `--zap-encoder`: `json` (the default) or `console`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogEncoder {
    /// One JSON object per line.
    #[default]
    Json,
    /// Human-readable lines.
    Console,
}

impl FromStr for LogEncoder {
    type Err = Error;

    fn from_str(value: &str) -> Result<Self, Error> {
        match value.to_ascii_lowercase().as_str() {
            "json" => Ok(Self::Json),
            "console" => Ok(Self::Console),
            _ => Err(Error::Flag {
                flag: "--zap-encoder",
                value: value.to_owned(),
                expected: "json or console",
            }),
        }
    }
}

/// The filter: `RUST_LOG` if set and valid, else `level`.
pub fn filter(level: LogLevel) -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level.directive()))
}

/// Installs the global subscriber writing to standard error.
pub fn init(level: LogLevel, encoder: LogEncoder) -> Result<(), Error> {
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter(level))
        .with_writer(std::io::stderr);
    let result = match encoder {
        LogEncoder::Json => builder.json().try_init(),
        LogEncoder::Console => builder.try_init(),
    };
    result.map_err(|e| Error::Logging(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zap_levels_and_encoders_parse() {
        assert_eq!("debug".parse::<LogLevel>().unwrap(), LogLevel::Debug);
        assert_eq!("INFO".parse::<LogLevel>().unwrap(), LogLevel::Info);
        assert_eq!("panic".parse::<LogLevel>().unwrap(), LogLevel::Error);
        assert_eq!("3".parse::<LogLevel>().unwrap().directive(), "trace");
        assert_eq!("1".parse::<LogLevel>().unwrap().directive(), "debug");
        assert!("0".parse::<LogLevel>().is_err());
        assert!("loud".parse::<LogLevel>().is_err());
        assert_eq!("json".parse::<LogEncoder>().unwrap(), LogEncoder::Json);
        assert_eq!(
            "console".parse::<LogEncoder>().unwrap(),
            LogEncoder::Console
        );
        assert!("xml".parse::<LogEncoder>().is_err());
    }
}
