//! Fine-tuning: steps, the training callback, checkpoints and export.
mod common;

use std::ops::ControlFlow;

use common::{greedy_reference, load_model, TempDir};
use wisp::{Model, Status, TrainEnd, Trainer, TrainerParams};

fn params() -> TrainerParams {
    TrainerParams {
        learning_rate: 3e-3,
        batch_size: 4,
        seq_len: 32,
        total_steps: 20,
        eval_fraction: 0.0,
        ..Default::default()
    }
}

const ZOO: &str = "I love New York Zoo. ";

fn zoo_trainer(model: &Model) -> Trainer {
    let mut trainer = Trainer::new(model, &params()).unwrap();
    trainer.set_data_text(ZOO.repeat(40)).unwrap();
    trainer
}

#[test]
fn training_lowers_the_loss_on_its_data() {
    let model = load_model();
    let mut trainer = zoo_trainer(&model);
    let before = trainer.evaluate().unwrap();
    let mut infos = Vec::new();
    let end = trainer
        .train_with(8, |info| {
            infos.push(*info);
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(end, TrainEnd::Completed);
    assert_eq!(
        infos.iter().map(|i| i.step).collect::<Vec<_>>(),
        (1..=8).collect::<Vec<_>>()
    );
    assert!(infos
        .iter()
        .all(|i| i.loss.is_finite() && i.tokens > 0 && i.grad_norm > 0.0));
    let after = trainer.evaluate().unwrap();
    assert!(after < 0.8 * before, "loss {before} -> {after}");
    assert_eq!(trainer.steps_taken().unwrap(), 8);
    assert_eq!(trainer.threads().unwrap(), 1, "the default");
    // The model itself is untouched: its loss on the data did not move.
    let model_loss = model.evaluate(ZOO.repeat(40), &Default::default()).unwrap();
    assert!(model_loss > after);
}

#[test]
fn the_callback_can_stop_training_and_a_panic_is_an_error() {
    let model = load_model();
    let mut trainer = zoo_trainer(&model);
    let end = trainer
        .train_with(10, |info| {
            if info.step == 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert_eq!(end, TrainEnd::Stopped);
    assert_eq!(trainer.steps_taken().unwrap(), 2);
    let err = trainer
        .train_with(10, |_| panic!("callback failure"))
        .unwrap_err();
    assert_eq!(err.status(), Status::Cancelled);
    assert!(err.message().contains("callback failure"), "{err}");
    assert_eq!(trainer.steps_taken().unwrap(), 3);
}

#[test]
fn a_resumed_run_matches_the_uninterrupted_one_bit_for_bit() {
    let model = load_model();
    let dir = TempDir::new();
    let checkpoint = dir.path("run.ckpt");

    let mut straight = zoo_trainer(&model);
    straight.train(3).unwrap();
    straight.save_checkpoint(&checkpoint).unwrap();
    let expected: Vec<f32> = (0..3).map(|_| straight.step().unwrap().loss).collect();

    let mut resumed = zoo_trainer(&model);
    resumed.resume(&checkpoint).unwrap();
    assert_eq!(resumed.steps_taken().unwrap(), 3);
    let got: Vec<f32> = (0..3).map(|_| resumed.step().unwrap().loss).collect();
    assert_eq!(got, expected);
}

#[test]
fn an_exported_model_loads_and_scores_like_the_trainer() {
    let model = load_model();
    let dir = TempDir::new();
    let path = dir.path("tuned.wisp");
    let mut trainer = zoo_trainer(&model);
    trainer.train(5).unwrap();
    trainer.export_model(&path).unwrap();
    let tuned = Model::load(&path).unwrap();
    let text = greedy_reference().text;
    let eval = wisp::EvalParams {
        seq_len: params().seq_len,
        batch_size: params().batch_size,
        ..Default::default()
    };
    let from_file = tuned.evaluate(&text, &eval).unwrap();
    let in_trainer = trainer.evaluate_text(&text).unwrap();
    assert!(
        (from_file - in_trainer).abs() <= 1e-5 * in_trainer,
        "{from_file} vs {in_trainer}"
    );
}

#[test]
fn training_on_ids_and_bad_data_are_checked() {
    let model = load_model();
    let mut trainer = Trainer::new(&model, &params()).unwrap();
    let err = trainer.step().unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument, "no data: {err}");
    let err = trainer.set_data_ids(&[1, 99_999]).unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument);
    assert!(!err.message().is_empty());
    let err = trainer.set_data_ids(&[1]).unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument);
    let reference = greedy_reference();
    trainer.set_data_ids(&reference.generated_ids).unwrap();
    assert!(trainer.step().unwrap().loss.is_finite());

    let bad = TrainerParams {
        seq_len: 100_000,
        ..params()
    };
    let err = Trainer::new(&model, &bad).unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument, "{err}");
}
