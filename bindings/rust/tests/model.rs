//! Loading, configuration, tokenizer and evaluation, against the shared
//! references of stories260K.
mod common;

use common::{greedy_reference, load_model};
use wisp::{EvalParams, MaskKind, MlpKind, NormKind, Objective, PositionKind};

#[test]
fn library_version_matches_the_header() {
    assert!(!wisp::version().is_empty());
    assert_eq!(wisp::api_version() >> 16, wisp::sys::WISP_API_VERSION_MAJOR);
    assert!(wisp::api_version() >= wisp::sys::WISP_API_VERSION);
}

#[test]
fn config_is_stories260k() {
    let config = load_model().config().unwrap();
    // Shapes from the llama2.c checkpoint's header (README of the model).
    assert_eq!(config.dim, 64);
    assert_eq!(config.hidden_dim, 172);
    assert_eq!(config.n_layers, 5);
    assert_eq!(config.n_heads, 8);
    assert_eq!(config.n_kv_heads, 4);
    assert_eq!(config.vocab_size, 512);
    assert_eq!(config.max_seq_len, 512);
    assert_eq!(config.norm, NormKind::Rms);
    assert_eq!(config.positions, PositionKind::Rotary);
    assert_eq!(config.mlp, MlpKind::SwiGlu);
    assert_eq!(config.mask, MaskKind::Causal);
    assert_eq!(config.bos_id, Some(1));
    assert_eq!(config.eos_id, Some(2));
}

#[test]
fn tokenize_matches_the_reference_encoding() {
    let model = load_model();
    let reference = greedy_reference();
    assert_eq!(
        model.tokenize(&reference.prompt, true).unwrap(),
        reference.prompt_ids
    );
    assert_eq!(
        model.tokenize(&reference.prompt, false).unwrap(),
        reference.prompt_ids[1..]
    );
    assert_eq!(model.tokenize("", false).unwrap(), Vec::<i32>::new());
}

#[test]
fn detokenize_matches_the_reference_text() {
    let model = load_model();
    let reference = greedy_reference();
    let all: Vec<i32> = reference
        .prompt_ids
        .iter()
        .chain(&reference.generated_ids)
        .copied()
        .collect();
    assert_eq!(model.detokenize(&all).unwrap(), reference.text);
    assert_eq!(
        model.detokenize_bytes(&all).unwrap(),
        reference.text.as_bytes()
    );
}

#[test]
fn token_bytes_concatenate_to_the_detokenized_text() {
    let model = load_model();
    let reference = greedy_reference();
    let mut prev = reference.prompt_ids.last().copied();
    let mut streamed = Vec::new();
    for &id in &reference.generated_ids {
        streamed.extend(model.token_bytes(prev, id).unwrap());
        prev = Some(id);
    }
    let full = model.detokenize_bytes(&reference.generated_ids).unwrap();
    // detokenize drops nothing here (no BOS), so both spell the same bytes.
    assert_eq!(streamed, full);
}

#[test]
fn non_ascii_text_round_trips_through_byte_tokens() {
    let model = load_model();
    let text = "caf\u{e9} \u{2603} \u{1F600}";
    // With BOS, so that detokenize drops the tokenizer's dummy-prefix space.
    let ids = model.tokenize(text, true).unwrap();
    assert!(ids.len() > text.chars().count(), "byte fallback expected");
    assert_eq!(model.detokenize(&ids).unwrap(), text);
}

#[test]
fn evaluation_gives_a_plausible_loss_and_matches_a_trainer() {
    let model = load_model();
    let text = greedy_reference().text;
    let loss = model.evaluate(&text, &EvalParams::default()).unwrap();
    // The model wrote this text greedily, so it predicts it well: far below
    // the uniform loss ln(512) = 6.24.
    assert!(loss > 0.0 && loss < 2.0, "loss {loss}");
    let trainer_params = wisp::TrainerParams {
        seq_len: EvalParams::default().seq_len,
        batch_size: EvalParams::default().batch_size,
        ..Default::default()
    };
    let mut trainer = wisp::Trainer::new(&model, &trainer_params).unwrap();
    let trainer_loss = trainer.evaluate_text(&text).unwrap();
    assert!(
        (trainer_loss - loss).abs() <= 1e-5 * loss,
        "{trainer_loss} vs {loss}"
    );
    let masked = EvalParams {
        objective: Objective::Masked,
        ..Default::default()
    };
    let masked_loss = model.evaluate(&text, &masked).unwrap();
    assert!(masked_loss.is_finite() && masked_loss != loss);
}

#[test]
fn prefix_evaluation_scores_only_after_the_separator() {
    let model = load_model();
    let lines = "Lily saw a dog => The dog was happy.\nTom had a ball => He played all day.\n";
    let with_separator = EvalParams {
        objective: Objective::Prefix,
        prefix_separator: Some(" => ".into()),
        ..Default::default()
    };
    let answers_only = model.evaluate(lines, &with_separator).unwrap();
    let random_prefix = EvalParams {
        objective: Objective::Prefix,
        ..Default::default()
    };
    let other = model.evaluate(lines, &random_prefix).unwrap();
    assert!(answers_only.is_finite() && other.is_finite());
    assert_ne!(answers_only, other, "the separator must reach the library");
}

/// The setting round-trips on any model and CPU, and is shared by clones.
#[test]
fn exact_bf16_products_round_trip() {
    let model = load_model();
    assert!(!model.exact_bf16_products(), "off after loading");
    let clone = model.clone();
    for exact in [true, false] {
        model.set_exact_bf16_products(exact).unwrap();
        assert_eq!(model.exact_bf16_products(), exact);
        assert_eq!(clone.exact_bf16_products(), exact);
    }
}

/// The bf16 model the CMake build writes next to the default model, whose
/// prompts reach the bf16 dot-product instructions, and its twin with those
/// weights widened to f32: with exact products the bf16 model computes the
/// twin's logits bit for bit, on every CPU.
#[test]
fn exact_bf16_products_compute_the_widened_models_logits() {
    let dir = common::model_path().parent().unwrap().to_path_buf();
    let logits = |name: &str, exact: bool| {
        let path = dir.join(name);
        let model = wisp::Model::load(&path).unwrap_or_else(|e| {
            panic!(
                "{} (written by the bf16_test_models target): {e}",
                path.display()
            )
        });
        model.set_exact_bf16_products(exact).unwrap();
        let mut session = wisp::Session::new(&model).unwrap();
        session
            .feed_with_logits(&[1, 7, 3, 30, 12, 5, 19, 2, 27, 8])
            .unwrap()
    };
    let got = logits("bf16_k256.wisp", true);
    let want = logits("bf16_k256_widened.wisp", false);
    assert!(!want.is_empty());
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&got), bits(&want));
}
