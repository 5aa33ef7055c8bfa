//! `completions bash|zsh|fish`: a script for each shell that knows the subcommands and flags.

use crate::support::{qiscus_webhook, stdout};

#[test]
fn each_shell_gets_a_script_naming_the_subcommands() {
    for shell in ["bash", "zsh", "fish"] {
        let output = qiscus_webhook()
            .args(["completions", shell])
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(0), "{shell}: {output:?}");
        assert!(output.stderr.is_empty(), "{shell}");
        let script = stdout(&output);
        assert!(!script.trim().is_empty(), "{shell}");
        assert!(script.contains("qiscus-webhook"), "{shell}");
        for subcommand in ["sign", "verify", "send", "sample", "completions"] {
            assert!(script.contains(subcommand), "{shell}: {subcommand} missing");
        }
        for flag in ["no-signature", "signature", "header", "ca-file", "chunked"] {
            // fish names long flags `-l NAME`.
            let written = match shell {
                "fish" => format!("-l {flag}"),
                _ => format!("--{flag}"),
            };
            assert!(script.contains(&written), "{shell}: {written} missing");
        }
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let output = qiscus_webhook()
        .args(["completions", "powershell-classic"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bash") && stderr.contains("zsh") && stderr.contains("fish"),
        "{stderr}"
    );
}
