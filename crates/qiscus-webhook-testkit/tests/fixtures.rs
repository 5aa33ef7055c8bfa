//! The crate's own copies of the sample events (`fixtures/`, so that the package carries them)
//! are the repository's, byte for byte.

use qiscus_webhook_testkit::fixtures;

#[test]
fn the_copies_match_the_repository_fixtures() {
    let repository = [
        (
            "post_comment_mobile_2017",
            &include_bytes!("../../../fixtures/post_comment_mobile_2017.json")[..],
        ),
        (
            "multichannel_bot_2025",
            &include_bytes!("../../../fixtures/multichannel_bot_2025.json")[..],
        ),
    ];
    assert_eq!(fixtures::ALL.len(), repository.len());
    for ((name, _, copy), (expected_name, original)) in fixtures::ALL.into_iter().zip(repository) {
        assert_eq!(name, expected_name);
        assert!(
            copy == original,
            "{name}: the crate's copy differs from fixtures/{name}.json"
        );
    }
}
