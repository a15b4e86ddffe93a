//! The C API's threading rules as Rust's: a model is shared (Send + Sync),
//! sessions and trainers move between threads (Send) but are not shared
//! (not Sync). The negative checks fail to compile if violated.
mod common;

use common::{generate_ids, greedy_reference, load_model};
use wisp::{Model, SamplerParams, Session, Trainer};

fn assert_send_sync<T: Send + Sync>() {}
fn assert_send<T: Send>() {}

/// Resolves only if T is not Sync: with T: Sync both impls apply and the
/// call `<T as NotSync<_>>::check` becomes ambiguous, a compile error.
trait NotSync<Marker> {
    fn check() {}
}
impl<T: ?Sized> NotSync<()> for T {}
struct IsSync;
impl<T: ?Sized + Sync> NotSync<IsSync> for T {}

#[test]
fn types_carry_the_c_threading_rules() {
    assert_send_sync::<Model>();
    assert_send::<Session>();
    assert_send::<Trainer>();
    <Session as NotSync<_>>::check();
    <Trainer as NotSync<_>>::check();
}

#[test]
fn sessions_on_many_threads_share_one_model() {
    let model = load_model();
    let expected = greedy_reference().generated_ids[..30].to_vec();
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let model = model.clone();
            std::thread::spawn(move || {
                let mut session = Session::new(&model).unwrap();
                session.feed(&greedy_reference().prompt_ids).unwrap();
                generate_ids(&mut session, &SamplerParams::greedy(), 30)
            })
        })
        .collect();
    drop(model); // the sessions keep it alive
    for worker in workers {
        assert_eq!(worker.join().unwrap(), expected);
    }
}

#[test]
fn a_session_outlives_the_model_value_it_was_made_from() {
    let mut session = {
        let model = load_model();
        Session::new(&model).unwrap()
    };
    session.feed(&greedy_reference().prompt_ids).unwrap();
    assert_eq!(session.model().config().unwrap().vocab_size, 512);
}
