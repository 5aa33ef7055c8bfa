//! [`Rejection`]: a refused request, as every adapter answers it.

use std::boxed::Box;
use std::error::Error as StdError;
use std::fmt;
use std::string::ToString;
use std::time::Duration;

use crate::Error;

/// A boxed error from a body stream or a parser, kept for logs.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// Why a webhook request was refused: the core's [`Error`] (status, code, JSON body), and the
/// lower-level cause when there is one (the body stream's error, the JSON position), kept as
/// [`source`](StdError::source) for logs; it never reaches the response.
///
/// Each framework adapter wraps it in a newtype that implements its framework's response
/// trait (axum's `IntoResponse`, actix-web's `ResponseError`, warp's `Reject`, Rocket's
/// `Responder`) and answers exactly [`status_code`](Rejection::status_code),
/// [`CONTENT_TYPE`](Rejection::CONTENT_TYPE) and [`response_body`](Rejection::response_body).
///
/// ```
/// use qiscus_webhook::{Error, Rejection};
///
/// let rejection = Rejection::from(Error::BodyTooLarge);
/// assert_eq!(rejection.status_code(), 413);
/// assert_eq!(rejection.response_body(), r#"{"error":"body_too_large"}"#);
/// ```
pub struct Rejection {
    error: Error,
    source: Option<BoxError>,
    close: bool,
    retry_after: Option<Duration>,
}

impl Rejection {
    /// The `Content-Type` of every refusal's body.
    pub const CONTENT_TYPE: &'static str = "application/json";

    /// A refusal for `error`, keeping `source` as its cause.
    ///
    /// The source's `Display` goes into logs: never pass an error that quotes the body, a token
    /// or a signature (serde's errors do quote the body; [`parse_json`](crate::json::parse)
    /// keeps only their position).
    #[must_use]
    pub fn with_source(error: Error, source: impl Into<BoxError>) -> Self {
        Self {
            error,
            source: Some(source.into()),
            close: false,
            retry_after: None,
        }
    }

    /// Marks the refusal as made before the body was read to its end: the adapter answers
    /// with `Connection: close` and the connection is closed, instead of draining (and
    /// hashing, and counting) whatever the client still sends.
    #[must_use]
    pub fn closing(mut self) -> Self {
        self.close = true;
        self
    }

    /// Whether the connection must be closed after the response: the refusal came before the
    /// whole body was read (401 on the header, 413, 408, 400 on a broken body). The
    /// [`drive`](crate::drive) loops set it; every adapter honours it.
    #[must_use]
    pub const fn closes_connection(&self) -> bool {
        self.close
    }

    /// Asks the client to wait `after` before retrying: the adapter sends a `Retry-After`
    /// header of [`retry_after_secs`](Self::retry_after_secs). The replay guard sets it on
    /// [`DeliveryInProgress`](Error::DeliveryInProgress) (the claim's lease left) and on
    /// [`ReplayStoreUnavailable`](Error::ReplayStoreUnavailable).
    ///
    /// ```
    /// use std::time::Duration;
    /// use qiscus_webhook::{Error, Rejection};
    ///
    /// let busy = Rejection::from(Error::DeliveryInProgress)
    ///     .with_retry_after(Duration::from_millis(2_100));
    /// assert_eq!(busy.status_code(), 409);
    /// assert_eq!(busy.retry_after(), Some(Duration::from_millis(2_100)));
    /// assert_eq!(busy.retry_after_secs(), Some(3)); // rounded up
    /// let soon = Rejection::from(Error::ReplayStoreUnavailable).with_retry_after(Duration::ZERO);
    /// assert_eq!(soon.retry_after_secs(), Some(1)); // at least 1
    /// assert_eq!(Rejection::from(Error::BodyTooLarge).retry_after_secs(), None);
    /// ```
    #[must_use]
    pub fn with_retry_after(mut self, after: Duration) -> Self {
        self.retry_after = Some(after);
        self
    }

    /// How long the client should wait before retrying, if the refusal says (see
    /// [`with_retry_after`](Self::with_retry_after)).
    #[must_use]
    pub const fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The `Retry-After` header's value, in whole seconds: [`retry_after`](Self::retry_after)
    /// rounded up, and at least 1 (`Retry-After: 0` would invite an immediate retry). `None`
    /// when the response has no such header.
    #[must_use]
    pub fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after.map(|after| {
            let seconds = after
                .as_secs()
                .saturating_add(u64::from(after.subsec_nanos() > 0));
            seconds.max(1)
        })
    }

    /// The core's error: what went wrong.
    #[must_use]
    pub const fn error(&self) -> Error {
        self.error
    }

    /// The response's HTTP status.
    #[must_use]
    pub const fn status_code(&self) -> u16 {
        self.error.status_code()
    }

    /// The stable error code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        self.error.code()
    }

    /// The response body, `{"error":"<code>"}`.
    #[must_use]
    pub const fn response_body(&self) -> &'static str {
        self.error.response_body()
    }
}

impl From<Error> for Rejection {
    fn from(error: Error) -> Self {
        Self {
            error,
            source: None,
            close: false,
            retry_after: None,
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl fmt::Debug for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rejection")
            .field("error", &self.error)
            .field("source", &self.source.as_ref().map(ToString::to_string))
            .field("closes_connection", &self.close)
            .field("retry_after", &self.retry_after)
            .finish()
    }
}

impl StdError for Rejection {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &self.source {
            Some(source) => Some(&**source),
            None => self.error.source(),
        }
    }
}

/// Defines an adapter's rejection newtype around [`Rejection`]: the type, `Debug`, `Display`,
/// `Error` (with the core's source), `From<Error>`, `From<Rejection>` and accessors. The
/// adapter then adds only its framework's response trait.
#[doc(hidden)]
#[macro_export]
macro_rules! __define_rejection {
    ($(#[$meta:meta])* $vis:vis struct $name:ident;) => {
        $(#[$meta])*
        #[derive(Debug)]
        $vis struct $name($crate::Rejection);

        impl $name {
            /// The core's error: what went wrong, with its status and code.
            #[must_use]
            pub fn error(&self) -> $crate::Error {
                self.0.error()
            }

            /// The core's rejection: the error and its cause.
            #[must_use]
            pub fn rejection(&self) -> &$crate::Rejection {
                &self.0
            }

            /// Unwraps the core's rejection.
            #[must_use]
            pub fn into_rejection(self) -> $crate::Rejection {
                self.0
            }
        }

        impl ::core::convert::From<$crate::Error> for $name {
            fn from(error: $crate::Error) -> Self {
                Self(error.into())
            }
        }

        impl ::core::convert::From<$crate::Rejection> for $name {
            fn from(rejection: $crate::Rejection) -> Self {
                Self(rejection)
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Display::fmt(&self.0, f)
            }
        }

        impl ::std::error::Error for $name {
            fn source(&self) -> ::core::option::Option<&(dyn ::std::error::Error + 'static)> {
                ::std::error::Error::source(&self.0)
            }
        }
    };
}

/// Implements `Deref` for an adapter's `VerifiedBody(body, Verified)` (to the body) and
/// `Deref`/`DerefMut` for its `VerifiedJson<T>(T, Verified)` (to the value): the same three
/// impls in every adapter, written once.
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_verified_deref {
    ($body:ident => $target:ty, $json:ident) => {
        impl ::core::ops::Deref for $body {
            type Target = $target;

            fn deref(&self) -> &$target {
                &self.0
            }
        }

        impl<T> ::core::ops::Deref for $json<T> {
            type Target = T;

            fn deref(&self) -> &T {
                &self.0
            }
        }

        impl<T> ::core::ops::DerefMut for $json<T> {
            fn deref_mut(&mut self) -> &mut T {
                &mut self.0
            }
        }
    };
}
