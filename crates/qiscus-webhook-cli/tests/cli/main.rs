//! Integration tests over the real `qiscus-webhook` binary.

mod sample;
mod send;
mod sign;
mod support;
mod tokens;
mod verify;
