//! Sessions: logits and greedy generation against the shared references,
//! streaming, cancellation and panicking callbacks.
mod common;

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::{generate_ids, greedy_reference, load_model, read_f32s};
use wisp::{SamplerParams, Session, SessionParams, Status, StopReason, Utf8Stream};

#[test]
fn greedy_generation_matches_the_reference() {
    let model = load_model();
    let reference = greedy_reference();
    let mut session = Session::new(&model).unwrap();
    session
        .feed(&model.tokenize(&reference.prompt, true).unwrap())
        .unwrap();
    let mut ids = Vec::new();
    let mut bytes = reference.prompt.clone().into_bytes();
    let generation = session
        .generate(
            &SamplerParams::greedy(),
            reference.generated_ids.len(),
            |piece| {
                ids.push(piece.id);
                bytes.extend_from_slice(piece.bytes);
                ControlFlow::Continue(())
            },
        )
        .unwrap();
    assert_eq!(ids, reference.generated_ids);
    assert_eq!(String::from_utf8(bytes).unwrap(), reference.text);
    assert_eq!(generation.n_generated, reference.generated_ids.len());
    assert_eq!(generation.stop_reason, StopReason::MaxTokens);
    assert_eq!(
        session.position().unwrap(),
        reference.prompt_ids.len() + reference.generated_ids.len()
    );
}

#[test]
fn feed_logits_match_llama2c_within_1e4() {
    let model = load_model();
    let reference = read_f32s("logits_once.bin"); // [5, 512]
    let mut session = Session::new(&model).unwrap();
    let logits = session
        .feed_with_logits(&greedy_reference().prompt_ids)
        .unwrap();
    assert_eq!(logits.len(), reference.len());
    let worst = logits
        .iter()
        .zip(&reference)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(worst <= 1e-4, "max abs difference {worst}");
    // The last row is what logits() keeps for sampling.
    assert_eq!(session.logits().unwrap(), logits[4 * 512..]);
}

#[test]
fn greedy_sample_is_the_argmax_and_does_not_feed() {
    let model = load_model();
    let reference = greedy_reference();
    let mut session = Session::new(&model).unwrap();
    session.feed(&reference.prompt_ids).unwrap();
    let token = session.sample(&SamplerParams::greedy()).unwrap();
    assert_eq!(token, reference.generated_ids[0]);
    assert_eq!(session.position().unwrap(), reference.prompt_ids.len());
    let seeded = SamplerParams {
        seed: 7,
        ..Default::default()
    };
    // Same seed, same stream: sampling twice gives the same token.
    assert_eq!(
        session.sample(&seeded).unwrap(),
        session.sample(&seeded).unwrap()
    );
}

#[test]
fn breaking_from_the_callback_stops_generation() {
    let model = load_model();
    let mut session = Session::new(&model).unwrap();
    session
        .feed(&model.tokenize("Once upon a time", true).unwrap())
        .unwrap();
    let mut seen = 0;
    let generation = session
        .generate(&SamplerParams::greedy(), 50, |_| {
            seen += 1;
            if seen == 5 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert_eq!(seen, 5);
    assert_eq!(generation.stop_reason, StopReason::Callback);
    assert_eq!(generation.n_generated, 5);
}

#[test]
fn another_thread_can_cancel_generation() {
    let model = load_model();
    let cancel = Arc::new(AtomicBool::new(false));
    let worker_cancel = Arc::clone(&cancel);
    let (tokens_tx, tokens_rx) = std::sync::mpsc::channel();
    let mut session = Session::new(&model).unwrap();
    session
        .feed(&model.tokenize("Once upon a time", true).unwrap())
        .unwrap();
    // The session moves to the worker (Send); the main thread only flips the
    // flag once it has seen a few tokens arrive.
    let worker = std::thread::spawn(move || {
        session.generate(&SamplerParams::default(), 400, |piece| {
            tokens_tx.send(piece.id).unwrap();
            if worker_cancel.load(Ordering::Relaxed) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
    });
    for _ in 0..3 {
        tokens_rx.recv().unwrap();
    }
    cancel.store(true, Ordering::Relaxed);
    let generation = worker.join().unwrap().unwrap();
    // Generation may also end at end-of-text before seeing the flag.
    assert!(
        generation.stop_reason == StopReason::Callback
            || generation.stop_reason == StopReason::EndOfText,
        "{generation:?}"
    );
    assert!(generation.n_generated >= 3 && generation.n_generated < 400);
}

#[test]
fn a_panicking_callback_becomes_an_error_and_the_session_survives() {
    let model = load_model();
    let reference = greedy_reference();
    let mut session = Session::new(&model).unwrap();
    session.feed(&reference.prompt_ids).unwrap();
    let mut calls = 0;
    let err = session
        .generate(&SamplerParams::greedy(), 10, |_| {
            calls += 1;
            if calls == 2 {
                panic!("boom in the callback");
            }
            ControlFlow::Continue(())
        })
        .unwrap_err();
    assert_eq!(calls, 2, "no call after the panic");
    assert_eq!(err.status(), Status::Cancelled);
    assert!(err.message().contains("boom in the callback"), "{err}");
    // Two tokens were fed; generation goes on from there as if uninterrupted.
    assert_eq!(session.position().unwrap(), reference.prompt_ids.len() + 2);
    let rest = generate_ids(&mut session, &SamplerParams::greedy(), 3);
    assert_eq!(rest, reference.generated_ids[2..5]);
}

#[test]
fn a_full_context_stops_generation() {
    let model = load_model();
    let params = SessionParams {
        context_length: 8,
        ..Default::default()
    };
    let mut session = Session::with_params(&model, &params).unwrap();
    session.feed(&greedy_reference().prompt_ids).unwrap();
    let generation = session
        .generate(&SamplerParams::greedy(), 100, |_| ControlFlow::Continue(()))
        .unwrap();
    assert_eq!(generation.stop_reason, StopReason::ContextFull);
    assert_eq!(session.position().unwrap(), 8);
    session.reset().unwrap();
    assert_eq!(session.position().unwrap(), 0);
}

#[test]
fn threads_do_not_change_results() {
    let model = load_model();
    let params = SessionParams {
        n_threads: 2,
        ..Default::default()
    };
    let mut session = Session::with_params(&model, &params).unwrap();
    // Two threads, unless the process may run on only one CPU (the library
    // counts the affinity mask; available_parallelism may also apply a
    // cgroup quota, so it can be lower, never higher).
    let threads = session.threads().unwrap();
    if std::thread::available_parallelism().unwrap().get() >= 2 {
        assert_eq!(threads, 2);
    } else {
        assert!((1..=2).contains(&threads), "{threads} threads");
    }
    let reference = greedy_reference();
    session.feed(&reference.prompt_ids).unwrap();
    let ids = generate_ids(&mut session, &SamplerParams::greedy(), 20);
    assert_eq!(ids, reference.generated_ids[..20]);
}

#[test]
fn utf8_stream_reassembles_characters_split_over_tokens() {
    let model = load_model();
    let text = "caf\u{e9} \u{2603}\u{1F600}!";
    let ids = model.tokenize(text, true).unwrap();
    let mut stream = Utf8Stream::new();
    let mut out = String::new();
    let mut split_seen = false;
    // After BOS, as a stream starts: the dummy-prefix space is not shown.
    let mut prev = Some(ids[0]);
    for &id in &ids[1..] {
        let bytes = model.token_bytes(prev, id).unwrap();
        split_seen |= std::str::from_utf8(&bytes).is_err();
        out.push_str(stream.push(&bytes));
        prev = Some(id);
    }
    out.push_str(&stream.finish());
    assert!(split_seen, "expected a token holding part of a character");
    assert_eq!(out, text);
}

#[test]
fn utf8_stream_replaces_invalid_bytes_and_flushes_a_cut_character() {
    let mut stream = Utf8Stream::new();
    assert_eq!(stream.push(b"a\xFFb"), "a\u{FFFD}b");
    assert_eq!(stream.push(b"\xE2\x98"), "");
    assert!(stream.has_pending());
    assert_eq!(stream.finish(), "\u{FFFD}");
    assert!(!stream.has_pending());
}
