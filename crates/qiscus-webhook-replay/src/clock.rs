//! [`Clock`]: where "now" comes from, injected so that tests can fast-forward.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

/// The wall clock the guard checks freshness against and the memory store expires entries
/// by. It is the Unix clock because event times are: a clock that jumps moves the window
/// with it.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> SystemTime;
}

/// [`SystemTime::now`], the default.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that moves only when told: tests fast-forward leases and expiries without
/// sleeping. Clones share the same time.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use qiscus_webhook_replay::{Clock, ManualClock};
///
/// let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_752_212_797));
/// let same = clock.clone();
/// clock.advance(Duration::from_secs(30));
/// assert_eq!(same.now(), UNIX_EPOCH + Duration::from_secs(1_752_212_827));
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<SystemTime>>);

impl ManualClock {
    /// A clock standing at `start`.
    #[must_use]
    pub fn new(start: SystemTime) -> Self {
        Self(Arc::new(Mutex::new(start)))
    }

    /// Moves the clock forward by `by`.
    ///
    /// # Panics
    ///
    /// If the result is beyond what `SystemTime` can hold.
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *now = now
            .checked_add(by)
            .expect("ManualClock::advance beyond SystemTime's range");
    }

    /// Sets the clock to `to` (backwards too).
    pub fn set(&self, to: SystemTime) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
