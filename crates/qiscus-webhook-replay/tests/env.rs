//! `QISCUS_WEBHOOK_REPLAY` and `QISCUS_WEBHOOK_MAX_AGE`: every accepted form, every refusal
//! naming its variable, and a Redis password in no message.

mod support;

use std::ffi::OsString;
use std::time::Duration;

use qiscus_webhook_replay::{
    Admission, MAX_AGE_VAR, REPLAY_VAR, RedisUrl, ReplayConfig, ReplayEnvError, ReplayMode,
};
use support::{RedisServer, comment, verified};

fn config(replay: Option<&str>, max_age: Option<&str>) -> Result<ReplayConfig, ReplayEnvError> {
    ReplayConfig::from_env_with(|name| match name {
        REPLAY_VAR => replay.map(OsString::from),
        MAX_AGE_VAR => max_age.map(OsString::from),
        _ => None,
    })
}

#[test]
fn modes() {
    for off in [None, Some(""), Some("off"), Some("OFF"), Some(" off ")] {
        assert_eq!(
            config(off, None).unwrap().mode(),
            &ReplayMode::Off,
            "{off:?}"
        );
    }
    for memory in ["memory", "Memory", " memory\n"] {
        assert_eq!(
            config(Some(memory), None).unwrap().mode(),
            &ReplayMode::Memory
        );
    }
    for url in [
        "redis://127.0.0.1:6379",
        "redis://cache:6380/2",
        "redis://:pw@cache:6379/0",
    ] {
        assert_eq!(
            config(Some(url), None).unwrap().mode(),
            &ReplayMode::Redis(RedisUrl::new(url))
        );
    }
    for wrong in [
        "on",
        "true",
        "1",
        "redis",
        "memcached://x",
        "rediss://x:1",
        "memory,redis",
    ] {
        assert_eq!(
            config(Some(wrong), None),
            Err(ReplayEnvError::InvalidMode),
            "{wrong}"
        );
    }
    assert_eq!(
        config(Some("redis://:hunter2@cache:port"), None),
        Err(ReplayEnvError::InvalidRedisUrl)
    );
}

#[test]
fn max_ages() {
    assert_eq!(
        config(None, None).unwrap().max_age(),
        Duration::from_secs(300)
    );
    assert_eq!(
        config(None, Some("")).unwrap().max_age(),
        Duration::from_secs(300)
    );
    assert_eq!(
        config(None, Some("1")).unwrap().max_age(),
        Duration::from_secs(1)
    );
    assert_eq!(
        config(None, Some(" 86400 ")).unwrap().max_age(),
        Duration::from_secs(86_400)
    );
    for wrong in [
        "0",
        "-1",
        "1.5",
        "5m",
        "300s",
        "abc",
        "99999999999999999999",
        "3153600001",
    ] {
        assert_eq!(
            config(None, Some(wrong)),
            Err(ReplayEnvError::InvalidMaxAge),
            "{wrong}"
        );
    }
}

#[test]
fn errors_name_the_variable_and_never_the_value() {
    let secret = "hunter2";
    let cases = [
        (
            config(Some(&format!("redis:/:{secret}@x")), None),
            REPLAY_VAR,
        ),
        (
            config(Some(&format!("redis://:{secret}@x:port")), None),
            REPLAY_VAR,
        ),
        (config(None, Some(secret)), MAX_AGE_VAR),
    ];
    for (result, variable) in cases {
        let error = result.unwrap_err();
        let text = format!("{error} {error:?}");
        assert!(text.contains(variable), "{text}");
        assert!(!text.contains(secret), "{text}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        let error = ReplayConfig::from_env_with(|name| {
            (name == REPLAY_VAR).then(|| OsString::from_vec(vec![0xff, 0xfe]))
        })
        .unwrap_err();
        assert_eq!(error, ReplayEnvError::NotUnicode(REPLAY_VAR));
        assert!(error.to_string().contains(REPLAY_VAR));
    }
}

#[test]
fn redis_urls_are_redacted() {
    for (url, shown) in [
        ("redis://:hunter2@cache:6379/0", "redis://***@cache:6379/0"),
        ("redis://app:hunter2@cache:6379", "redis://***@cache:6379"),
        ("redis://hunter2@cache", "redis://***@cache"),
        (
            "redis://cache:6379/1?password=hunter2",
            "redis://cache:6379/1?***",
        ),
        ("redis://:p@ss:hunter2@cache:1", "redis://***@cache:1"),
        ("hunter2", "***"),
        ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379"),
    ] {
        let redacted = RedisUrl::new(url);
        assert_eq!(redacted.to_string(), shown);
        assert!(!format!("{redacted:?}").contains("hunter2"));
        assert_eq!(redacted.expose(), url);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn build_makes_the_chosen_guard() {
    assert!(
        config(Some("off"), None)
            .unwrap()
            .build()
            .await
            .unwrap()
            .is_none()
    );

    let memory = config(Some("memory"), Some("60"))
        .unwrap()
        .build()
        .await
        .unwrap();
    let memory = memory.expect("a guard");
    assert_eq!(memory.freshness().max_age(), Duration::from_secs(60));

    let server = RedisServer::start();
    let redis = config(Some(&server.url()), None)
        .unwrap()
        .build()
        .await
        .unwrap();
    let redis = redis.expect("a guard");
    let body = comment(1, std::time::SystemTime::now());
    let Ok(Admission::Run(ticket)) = redis.begin(&verified(&body), &body).await else {
        panic!("a first delivery runs");
    };
    ticket.commit().await.unwrap();
    assert!(matches!(
        redis.begin(&verified(&body), &body).await,
        Ok(Admission::Duplicate)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_redis_fails_at_build_without_its_password() {
    let port = qiscus_webhook_testkit::redis_server::free_port();
    let url = format!("redis://:hunter2@127.0.0.1:{port}/0");
    let error = config(Some(&url), None).unwrap().build().await.unwrap_err();
    assert!(matches!(error, ReplayEnvError::Connect { .. }), "{error:?}");
    let text = format!("{error} {error:?}");
    assert!(text.contains(REPLAY_VAR), "{text}");
    assert!(
        text.contains(&format!("redis://***@127.0.0.1:{port}/0")),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
}
