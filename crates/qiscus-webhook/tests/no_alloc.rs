//! A verification allocates nothing: counted by a global allocator that tallies, per thread,
//! every allocation made while a flag is up.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use qiscus_webhook::{Token, Verifier};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the only addition is a
// counter in a const-initialised thread-local, which never allocates itself.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout`, as the caller guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: forwarded with the caller's guarantees for `GlobalAlloc::realloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

fn rotating_verifier() -> Verifier {
    Verifier::new(Token::new("current").unwrap())
        .also_accept(Token::new("previous").unwrap())
        .unwrap()
}

#[test]
fn the_counter_sees_allocations() {
    // Guards the test itself: if counting broke, the zeros below would mean nothing.
    let n = allocations_during(|| drop(std::hint::black_box(vec![1u8; 64])));
    assert_eq!(n, 1);
}

#[test]
fn one_shot_verification_allocates_nothing() {
    let verifier = rotating_verifier();
    let body = vec![b'a'; 4096];
    let good = Verifier::new(Token::new("previous").unwrap()).sign(&body);
    let bad = qiscus_webhook::Signature::from_bytes([0; 32]);
    let n = allocations_during(|| {
        assert!(verifier.verify(&body, &good).is_ok());
        assert!(verifier.verify(&body, &bad).is_err());
        let _ = verifier.sign(&body);
    });
    assert_eq!(n, 0);
}

#[test]
fn streaming_and_request_verification_allocate_nothing() {
    let verifier = rotating_verifier();
    let body = vec![b'b'; 10_000];
    let header = verifier.sign(&body).to_string();
    let n = allocations_during(|| {
        let mut streaming = verifier.begin(verifier.sign(&body));
        for chunk in body.chunks(1000) {
            streaming.update(chunk).unwrap();
        }
        assert!(streaming.finish().is_ok());

        let mut request = verifier
            .begin_request([header.as_bytes()], Some(b"10000"), None)
            .unwrap();
        for chunk in body.chunks(777) {
            request.update(chunk).unwrap();
        }
        assert!(request.finish().is_ok());

        let refused = verifier.begin_request([header.as_bytes(), header.as_bytes()], None, None);
        assert!(refused.is_err());
    });
    assert_eq!(n, 0);
}
