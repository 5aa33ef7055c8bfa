//! One connection, plain or TLS, with the two moves the exchange needs: write some bytes
//! waiting at most so long, and read what has arrived, waiting at most so long (or not at all).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection};

/// What went wrong on a connection: the socket, or TLS.
#[derive(Debug)]
pub enum Failure {
    Io(io::Error),
    Tls(rustls::Error),
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Self::Io(error)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(error) => error.fmt(f),
            Self::Tls(error) => write!(f, "TLS: {error}"),
        }
    }
}

/// A socket timeout: the wait is over, nothing went wrong.
fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// `Some(wait)` for a socket timeout, which must not be zero.
fn socket_timeout(wait: Duration) -> Option<Duration> {
    Some(wait.max(Duration::from_millis(1)))
}

pub enum Conn {
    Plain(TcpStream),
    Tls(Box<Tls>),
}

pub struct Tls {
    tls: ClientConnection,
    tcp: TcpStream,
}

/// How a TLS handshake ended, when it did not.
#[derive(Debug)]
pub enum HandshakeError {
    /// Nothing happened within the wait.
    TimedOut,
    /// The server closed the connection.
    Closed,
    Failed(Failure),
}

impl Tls {
    /// Starts TLS for `host` over `tcp`; the handshake is [`Tls::handshake`].
    pub fn new(
        config: Arc<ClientConfig>,
        host: ServerName<'static>,
        tcp: TcpStream,
    ) -> Result<Self, rustls::Error> {
        Ok(Self {
            tls: ClientConnection::new(config, host)?,
            tcp,
        })
    }

    /// Completes the handshake, each socket operation waiting at most `wait()`, which returns
    /// `None` once the time is up.
    pub fn handshake(
        &mut self,
        mut wait: impl FnMut() -> Option<Duration>,
    ) -> Result<(), HandshakeError> {
        while self.tls.is_handshaking() {
            let left = wait().ok_or(HandshakeError::TimedOut)?;
            if self.tls.wants_write() {
                self.tcp
                    .set_write_timeout(socket_timeout(left))
                    .map_err(|error| HandshakeError::Failed(error.into()))?;
                match self.tls.write_tls(&mut self.tcp) {
                    Ok(_) => {}
                    Err(error) if is_timeout(&error) => {}
                    Err(error) => return Err(HandshakeError::Failed(error.into())),
                }
                continue;
            }
            self.tcp
                .set_read_timeout(socket_timeout(left))
                .map_err(|error| HandshakeError::Failed(error.into()))?;
            match self.tls.read_tls(&mut self.tcp) {
                Ok(0) => return Err(HandshakeError::Closed),
                Ok(_) => {
                    if let Err(error) = self.tls.process_new_packets() {
                        // Best effort: tell the server why (an alert), then give up.
                        let _ = self.tls.write_tls(&mut self.tcp);
                        return Err(HandshakeError::Failed(Failure::Tls(error)));
                    }
                }
                Err(error) if is_timeout(&error) => {}
                Err(error) => return Err(HandshakeError::Failed(error.into())),
            }
        }
        Ok(())
    }
}

impl Conn {
    /// Writes some of `data` (possibly none), waiting at most `wait` for the socket to take
    /// it; the number of bytes taken.
    pub fn write(&mut self, data: &[u8], wait: Duration) -> Result<usize, Failure> {
        match self {
            Self::Plain(tcp) => {
                tcp.set_write_timeout(socket_timeout(wait))?;
                match tcp.write(data) {
                    Ok(written) => Ok(written),
                    Err(error)
                        if is_timeout(&error) || error.kind() == io::ErrorKind::Interrupted =>
                    {
                        Ok(0)
                    }
                    Err(error) => Err(error.into()),
                }
            }
            Self::Tls(tls) => {
                // Into rustls' buffer (64 KiB at most by default), then onto the socket.
                let taken = if data.is_empty() {
                    0
                } else {
                    tls.tls.writer().write(data)?
                };
                if tls.tls.wants_write() {
                    tls.tcp.set_write_timeout(socket_timeout(wait))?;
                    match tls.tls.write_tls(&mut tls.tcp) {
                        Ok(_) => {}
                        Err(error)
                            if is_timeout(&error) || error.kind() == io::ErrorKind::Interrupted => {
                        }
                        Err(error) => return Err(error.into()),
                    }
                }
                Ok(taken)
            }
        }
    }

    /// Bytes taken by [`Conn::write`] that are not on the socket yet (TLS records).
    pub fn has_buffered_output(&self) -> bool {
        match self {
            Self::Plain(_) => false,
            Self::Tls(tls) => tls.tls.wants_write(),
        }
    }

    /// Reads what has arrived into `buf`: `Ok(None)` if nothing did within `wait` (`None`: do
    /// not wait at all), `Ok(Some(0))` once the server has closed the connection.
    pub fn read(
        &mut self,
        buf: &mut [u8],
        wait: Option<Duration>,
    ) -> Result<Option<usize>, Failure> {
        match self {
            Self::Plain(tcp) => read_socket(tcp, wait, |tcp| tcp.read(buf)),
            Self::Tls(tls) => loop {
                match tls.tls.reader().read(buf) {
                    Ok(read) => return Ok(Some(read)),
                    // Closed without close_notify: for this one-shot exchange, an end all the
                    // same (an answer's framing says whether it is complete).
                    Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => {
                        return Ok(Some(0));
                    }
                    Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                    Err(error) => return Err(error.into()),
                }
                let Tls { tls, tcp } = &mut **tls;
                match read_socket(tcp, wait, |tcp| tls.read_tls(tcp))? {
                    None => return Ok(None),
                    // The end is seen by rustls: the reader says it on the next turn.
                    Some(_) => {
                        tls.process_new_packets().map_err(Failure::Tls)?;
                    }
                }
            },
        }
    }
}

/// One read from `tcp` by `read`, without blocking (`wait` None) or blocking at most `wait`;
/// `Ok(None)` when nothing came.
fn read_socket(
    tcp: &mut TcpStream,
    wait: Option<Duration>,
    read: impl FnOnce(&mut TcpStream) -> io::Result<usize>,
) -> Result<Option<usize>, Failure> {
    match wait {
        None => tcp.set_nonblocking(true)?,
        Some(wait) => tcp.set_read_timeout(socket_timeout(wait))?,
    }
    let result = read(tcp);
    if wait.is_none() {
        tcp.set_nonblocking(false)?;
    }
    match result {
        Ok(read) => Ok(Some(read)),
        Err(error) if is_timeout(&error) || error.kind() == io::ErrorKind::Interrupted => Ok(None),
        Err(error) => Err(error.into()),
    }
}
