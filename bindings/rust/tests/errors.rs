//! Bad input reaches the caller as an Error with the status and the
//! library's message, never as a crash.
mod common;

use common::{greedy_reference, load_model, model_path, TempDir};
use wisp::{Model, SamplerParams, Session, SessionParams, Status};

#[test]
fn a_missing_file_is_not_found_with_its_path_in_the_message() {
    let err = Model::load("/nonexistent/dir/model.wisp").unwrap_err();
    assert_eq!(err.status(), Status::NotFound);
    assert!(
        err.message().contains("/nonexistent/dir/model.wisp"),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!("{} (WISP_ERR_NOT_FOUND)", err.message())
    );
}

#[test]
fn corrupt_and_truncated_files_are_corrupt() {
    let dir = TempDir::new();
    let garbage = dir.path("garbage.wisp");
    std::fs::write(&garbage, vec![0x5Au8; 4096]).unwrap();
    let err = Model::load(&garbage).unwrap_err();
    assert_eq!(err.status(), Status::Corrupt, "{err}");
    assert!(!err.message().is_empty());

    let bytes = std::fs::read(model_path()).unwrap();
    let truncated = dir.path("truncated.wisp");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let err = Model::load(&truncated).unwrap_err();
    assert_eq!(err.status(), Status::Corrupt, "{err}");

    // A flipped byte deep in the weights fails the checksum.
    let mut flipped = bytes.clone();
    let at = bytes.len() - 100;
    flipped[at] ^= 0x01;
    let flipped_path = dir.path("flipped.wisp");
    std::fs::write(&flipped_path, &flipped).unwrap();
    let err = Model::load(&flipped_path).unwrap_err();
    assert_eq!(err.status(), Status::Corrupt, "{err}");
    // Only the checksum catches it: without verification the file loads.
    let unchecked = wisp::ModelParams {
        verify_checksums: false,
    };
    assert!(Model::load_with(&flipped_path, &unchecked).is_ok());
}

#[test]
fn a_path_or_separator_with_a_nul_byte_is_refused_before_c() {
    let err = Model::load("model\0.wisp").unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument);
    let model = load_model();
    let params = wisp::EvalParams {
        prefix_separator: Some("a\0b".into()),
        ..Default::default()
    };
    let err = model.evaluate("some text here", &params).unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument);
}

#[test]
fn bad_token_ids_are_invalid_arguments() {
    let model = load_model();
    let mut session = Session::new(&model).unwrap();
    let err = session.feed(&[1, 512]).unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument);
    assert!(!err.message().is_empty());
    let err = session.feed(&[-3]).unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument);
    assert_eq!(session.position().unwrap(), 0, "nothing fed");
    assert_eq!(
        model.detokenize(&[5, 100_000]).unwrap_err().status(),
        Status::InvalidArgument
    );
    assert_eq!(
        model.token_bytes(None, -7).unwrap_err().status(),
        Status::InvalidArgument
    );
}

#[test]
fn using_a_session_before_feeding_is_out_of_range() {
    let model = load_model();
    let mut session = Session::new(&model).unwrap();
    assert_eq!(session.logits().unwrap_err().status(), Status::OutOfRange);
    assert_eq!(
        session
            .sample(&SamplerParams::greedy())
            .unwrap_err()
            .status(),
        Status::OutOfRange
    );
    let err = session
        .generate(&SamplerParams::greedy(), 5, |_| {
            std::ops::ControlFlow::Continue(())
        })
        .unwrap_err();
    assert_eq!(err.status(), Status::OutOfRange);
}

#[test]
fn overflowing_the_context_is_out_of_range_and_feeds_nothing() {
    let model = load_model();
    let params = SessionParams {
        context_length: 4,
        ..Default::default()
    };
    let mut session = Session::with_params(&model, &params).unwrap();
    let err = session.feed(&greedy_reference().prompt_ids).unwrap_err();
    assert_eq!(err.status(), Status::OutOfRange, "{err}");
    assert_eq!(session.position().unwrap(), 0);
}

// 32 Mi ids with logits asked for 64 GB of them, which aborted the process
// before the library could say the context is too short.
#[test]
fn too_many_ids_with_logits_are_out_of_range_not_an_abort() {
    let model = load_model();
    let mut session = Session::new(&model).unwrap();
    for n in [model.config().unwrap().max_seq_len as usize + 1, 1 << 25] {
        let err = session.feed_with_logits(&vec![1; n]).unwrap_err();
        assert_eq!(err.status(), Status::OutOfRange, "{n} ids: {err}");
        assert_eq!(session.position().unwrap(), 0);
    }
}

#[test]
fn bad_parameters_are_invalid_arguments() {
    let model = load_model();
    for params in [
        SessionParams {
            n_threads: 0,
            ..Default::default()
        },
        SessionParams {
            n_threads: 5000,
            ..Default::default()
        },
        SessionParams {
            context_length: 100_000,
            ..Default::default()
        },
    ] {
        let err = Session::with_params(&model, &params).unwrap_err();
        assert_eq!(err.status(), Status::InvalidArgument, "{params:?}: {err}");
    }
    // BOS alone: nothing to predict.
    let err = model.evaluate("", &Default::default()).unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument, "one token: {err}");
}

#[test]
fn statuses_round_trip_and_have_names() {
    for raw in 1..=11 {
        let status = Status::from_raw(raw).unwrap();
        assert_eq!(status.to_raw(), raw);
        assert!(status.name().starts_with("WISP_ERR_"), "{}", status.name());
    }
    assert_eq!(Status::from_raw(wisp::sys::WISP_OK), None);
    assert_eq!(Status::from_raw(99), Some(Status::Other(99)));
}
