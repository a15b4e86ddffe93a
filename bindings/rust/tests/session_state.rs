//! The session's own sampler (continue in budgets) and saved states.
mod common;

use std::ops::ControlFlow;

use common::{greedy_reference, load_model, TempDir};
use wisp::{Model, SamplerParams, Session, Status};

fn sampler() -> SamplerParams {
    SamplerParams {
        temperature: 0.9,
        seed: 1234,
        ..Default::default()
    }
}

fn primed_session(model: &Model) -> Session {
    let mut session = Session::new(model).unwrap();
    session.feed(&greedy_reference().prompt_ids).unwrap();
    session.set_sampler(&sampler()).unwrap();
    session
}

fn continue_ids(session: &mut Session, n: usize) -> Vec<i32> {
    let mut ids = Vec::new();
    session
        .continue_generation(n, |piece| {
            ids.push(piece.id);
            ControlFlow::Continue(())
        })
        .unwrap();
    ids
}

#[test]
fn budgets_add_up_to_one_long_call() {
    let model = load_model();
    let mut whole = primed_session(&model);
    let expected = continue_ids(&mut whole, 24);
    let mut split = primed_session(&model);
    let mut got = Vec::new();
    for budget in [1, 5, 3, 7, 8] {
        got.extend(continue_ids(&mut split, budget));
    }
    assert_eq!(got, expected);
    // Sampling at temperature 0.9 is not the greedy path (the stream matters).
    assert_ne!(expected, greedy_reference().generated_ids[..24]);
}

#[test]
fn a_restored_state_continues_exactly_as_the_original() {
    let model = load_model();
    let mut original = primed_session(&model);
    continue_ids(&mut original, 6);
    let state = original.save_state().unwrap();
    let expected = continue_ids(&mut original, 12);

    // Through a file, as a game save would.
    let dir = TempDir::new();
    let save = dir.path("npc.sav");
    std::fs::write(&save, &state).unwrap();
    let mut restored = Session::new(&model).unwrap();
    restored.load_state(&std::fs::read(&save).unwrap()).unwrap();
    assert_eq!(
        restored.position().unwrap(),
        greedy_reference().prompt_ids.len() + 6
    );
    assert_eq!(continue_ids(&mut restored, 12), expected);
}

#[test]
fn damaged_or_foreign_states_are_refused_and_leave_the_session_alone() {
    let model = load_model();
    let mut session = primed_session(&model);
    let state = session.save_state().unwrap();
    let position = session.position().unwrap();

    let mut damaged = state.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0x40;
    let err = session.load_state(&damaged).unwrap_err();
    assert_eq!(err.status(), Status::Corrupt, "{err}");
    assert!(!err.message().is_empty());
    let err = session.load_state(&state[..state.len() - 3]).unwrap_err();
    assert_eq!(err.status(), Status::Corrupt, "{err}");
    let err = session.load_state(b"not a state").unwrap_err();
    assert_eq!(err.status(), Status::Corrupt, "{err}");
    assert_eq!(session.position().unwrap(), position);

    // A model with other weights: one fine-tuning step away.
    let dir = TempDir::new();
    let other_path = dir.path("other.wisp");
    let mut trainer = wisp::Trainer::new(&model, &Default::default()).unwrap();
    trainer.set_data_text(greedy_reference().text).unwrap();
    trainer.step().unwrap();
    trainer.export_model(&other_path).unwrap();
    let other = Model::load(&other_path).unwrap();
    let mut foreign = Session::new(&other).unwrap();
    let err = foreign.load_state(&state).unwrap_err();
    assert_eq!(err.status(), Status::Mismatch, "{err}");
    assert_eq!(foreign.position().unwrap(), 0);
}

#[test]
fn a_state_longer_than_the_context_is_out_of_range() {
    let model = load_model();
    let state = primed_session(&model).save_state().unwrap();
    let params = wisp::SessionParams {
        context_length: 3,
        ..Default::default()
    };
    let mut small = Session::with_params(&model, &params).unwrap();
    let err = small.load_state(&state).unwrap_err();
    assert_eq!(err.status(), Status::OutOfRange, "{err}");
}
