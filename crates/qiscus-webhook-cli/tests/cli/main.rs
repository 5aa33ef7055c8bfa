//! Integration tests over the real `qiscus-webhook` binary.

mod completions;
mod early;
mod https;
mod proxy;
mod sample;
mod send;
mod sign;
mod support;
mod tokens;
mod verify;
