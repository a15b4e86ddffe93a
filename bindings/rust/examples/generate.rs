//! Prints PROMPT and N greedy tokens after it, byte for byte what
//! `wisp generate -m MODEL -p PROMPT -n N --temperature 0` prints on stdout.
//!
//!   cargo run --example generate -- MODEL.wisp "PROMPT" N
use std::io::Write;
use std::ops::ControlFlow;
use std::process::ExitCode;

fn run(model_path: &str, prompt: &str, n_tokens: usize) -> Result<(), Box<dyn std::error::Error>> {
    let model = wisp::Model::load(model_path)?;
    let ids = model.tokenize(prompt, true)?;
    let mut session = wisp::Session::new(&model)?;
    session.feed(&ids)?;

    let mut out = std::io::stdout().lock();
    out.write_all(prompt.as_bytes())?;
    out.flush()?;
    let mut write_error = None;
    // Raw bytes, as the CLI writes them: a token may be part of a character.
    session.generate(&wisp::SamplerParams::greedy(), n_tokens, |piece| match out
        .write_all(piece.bytes)
        .and_then(|()| out.flush())
    {
        Ok(()) => ControlFlow::Continue(()),
        Err(e) => {
            write_error = Some(e);
            ControlFlow::Break(())
        }
    })?;
    if let Some(e) = write_error {
        return Err(e.into());
    }
    out.write_all(b"\n")?;
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let n_tokens = args.get(3).and_then(|n| n.parse::<usize>().ok());
    let (Some(model), Some(prompt), Some(n_tokens), 4) =
        (args.get(1), args.get(2), n_tokens, args.len())
    else {
        eprintln!("usage: generate MODEL.wisp \"PROMPT\" N");
        return ExitCode::from(2);
    };
    match run(model, prompt, n_tokens) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("generate: error: {e}");
            ExitCode::FAILURE
        }
    }
}
