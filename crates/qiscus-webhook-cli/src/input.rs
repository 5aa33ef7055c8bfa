//! The body a command works on: a file, or standard input for `-` or no argument at all.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use crate::exit::CliError;

/// An opened body source, named for error messages.
pub struct Input {
    name: String,
    reader: Box<dyn Read>,
}

impl Input {
    /// Opens `path`, or standard input when it is `None` or `-`.
    pub fn open(path: Option<&Path>) -> Result<Self, CliError> {
        match path {
            None => Ok(Self::stdin()),
            Some(path) if path.as_os_str() == "-" => Ok(Self::stdin()),
            Some(path) => {
                let name = path.display().to_string();
                let file = File::open(path)
                    .map_err(|error| CliError::new(format!("cannot open {name}: {error}")))?;
                Ok(Self {
                    name,
                    reader: Box::new(file),
                })
            }
        }
    }

    fn stdin() -> Self {
        Self {
            name: "standard input".to_owned(),
            reader: Box::new(io::stdin().lock()),
        }
    }

    /// The error for a failed read: `cannot read <name>: <cause>`.
    pub fn error(&self, cause: &dyn std::fmt::Display) -> CliError {
        CliError::new(format!("cannot read {}: {cause}", self.name))
    }

    /// Reads everything that is left.
    pub fn read_to_end(mut self) -> Result<Vec<u8>, CliError> {
        let mut bytes = Vec::new();
        self.reader
            .read_to_end(&mut bytes)
            .map_err(|error| self.error(&error))?;
        Ok(bytes)
    }
}

/// The body as it is read (by `verify`, through the core's drive loop).
impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reader.read(buf)
    }
}
