#!/usr/bin/python3
"""PyTorch reference for `wisp bench`: prefill, decode with a KV cache and
training (forward + backward + clipping + AdamW) of the same model, on
torch.set_num_threads(--threads) and --blas-threads BLAS threads. Prints one
JSON object on stdout, progress on stderr. Run with Debian's python
(/usr/bin/python3: python3-torch).

  tests/bench/torch_bench.py (--gpt2 gpt2-124m.pt | --llama2c stories260K.bin)
      [--threads N] [--blas-threads M] [--prompt-tokens 128,512]
      [--gen-tokens 128] [--repeats R] [--no-inference] [--train --batch B
      --seq T --train-steps S]

Debian's PyTorch is built with BLAS_INFO=generic: its matrix products call
libblas.so.3, which is OpenBLAS's pthread build, and OpenBLAS runs its own
threads, as many as the machine has cores, whatever torch.set_num_threads
says. Left alone, `--threads 1` used 1.5 cores and `--threads 2` ran four
busy threads on two cores (both slower than they should be). So the BLAS's
threads are set here too (openblas_set_num_threads; M defaults to N), and
the JSON says which BLAS ran with how many threads.

The models are scripts/bench/gpt2_module.py (the module
make_gpt2_124m.py exported, with its saved weights) and
scripts/bench/llama_module.py (llama2.c checkpoints). Prefill computes the
last position's logits only, as wisp does; decode samples greedily. Training
uses the settings of wisp's trainer defaults: AdamW lr 1e-3, betas
(0.9, 0.95), eps 1e-8, weight decay 0.1 on matrices only, clipping at 1.0,
mean next-token cross-entropy.
"""
import argparse
import ctypes
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', '..', 'scripts', 'bench'))
import gpt2_module  # noqa: E402
import llama_module  # noqa: E402


def log(*args):
    print('torch_bench:', *args, file=sys.stderr, flush=True)


def configure_blas(threads):
    """Sets the threads of the BLAS torch multiplies through (libblas.so.3,
    already loaded by torch) when it is OpenBLAS, and describes it; ('unknown',
    None) for another BLAS, whose threads torch.set_num_threads governs (MKL)
    or which has none. dlsym on libblas.so.3 also searches its dependencies,
    so Debian's OpenBLAS shim finds libopenblas.so.0, the copy torch uses
    even if another (say numpy's) is loaded too."""
    try:
        lib = ctypes.CDLL('libblas.so.3')
        set_threads = lib.openblas_set_num_threads
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
    except (OSError, AttributeError):
        return 'unknown', None
    set_threads(threads)
    # 0: OpenBLAS's own threads (pthreads), 2: OpenMP, whose thread count
    # this call would have set for torch too (hence before set_num_threads).
    parallel = {0: 'sequential', 1: 'pthreads', 2: 'OpenMP'}.get(
        lib.openblas_get_parallel(), 'unknown threading')
    name = (f'{lib.openblas_get_config().decode()} '
            f'({lib.openblas_get_corename().decode()} kernels, {parallel})')
    return name, lib.openblas_get_num_threads()


def load_model(a):
    if a.gpt2:
        state = torch.load(a.gpt2)
        c = state['transformer.h.0.ln_1.weight'].shape[0]
        n_layer = 1 + max(int(k.split('.')[2]) for k in state
                          if k.startswith('transformer.h.'))
        model = gpt2_module.Gpt2(gpt2_module.Config(
            n_embd=c, n_layer=n_layer, n_head=a.n_head))
        model.load_state_dict(state)
        return model, model.config.vocab
    model = llama_module.load_llama2c(a.llama2c)
    return model, model.config.vocab


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def prefill_tokens_per_s(model, n, vocab, repeats):
    ids = torch.tensor([gpt2_module.synthetic_ids(n, vocab)])
    with torch.inference_mode():
        model(ids, last_only=True)  # warm-up
        seconds = [timed(lambda: model(ids, last_only=True))
                   for _ in range(repeats)]
    return n / statistics.median(seconds)


def decode_seconds(model, n_prompt, gen, vocab):
    ids = torch.tensor([gpt2_module.synthetic_ids(n_prompt, vocab)])
    with torch.inference_mode():
        logits, past = model(ids, last_only=True)
        start = time.perf_counter()
        for _ in range(gen):
            token = logits[0, -1].argmax().view(1, 1)
            logits, past = model(token, past)
        return time.perf_counter() - start


def train_tokens_per_s(model, vocab, batch, seq, steps):
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{'params': decay, 'weight_decay': 0.1},
         {'params': no_decay, 'weight_decay': 0.0}],
        lr=1e-3, betas=(0.9, 0.95), eps=1e-8)
    stream = torch.tensor(gpt2_module.synthetic_ids(
        batch * seq * (steps + 2) + 1, vocab, salt=13))
    model.train()

    def step(i):
        start = i * batch * seq
        x = stream[start:start + batch * seq].view(batch, seq)
        y = stream[start + 1:start + batch * seq + 1].view(batch, seq)
        logits, _ = model(x)
        loss = F.cross_entropy(logits.view(-1, vocab), y.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return loss.item()

    log(f'training: warm-up step (batch {batch} x {seq})')
    step(0)
    start = time.perf_counter()
    for i in range(steps):
        loss = step(i + 1)
        log(f'training: step {i + 1}/{steps} loss {loss:.4f}')
    return batch * seq * steps / (time.perf_counter() - start)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument('--gpt2', help='weights saved by make_gpt2_124m.py')
    src.add_argument('--llama2c', help='a llama2.c checkpoint')
    p.add_argument('--n-head', type=int, default=12, help='GPT-2 heads')
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--blas-threads', type=int,
                   help='OpenBLAS threads (default: --threads)')
    p.add_argument('--prompt-tokens', default='128')
    p.add_argument('--gen-tokens', type=int, default=128)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--no-inference', action='store_true')
    p.add_argument('--train', action='store_true')
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--seq', type=int, default=256)
    p.add_argument('--train-steps', type=int, default=3)
    a = p.parse_args()
    blas, blas_threads = configure_blas(
        a.threads if a.blas_threads is None else a.blas_threads)
    torch.set_num_threads(a.threads)
    log(f'{a.threads} thread(s); BLAS {blas}, {blas_threads} thread(s)')
    torch.manual_seed(0)
    model, vocab = load_model(a)
    model.eval()
    result = dict(system='pytorch', version=torch.__version__,
                  threads=a.threads, blas=blas, blas_threads=blas_threads)
    if not a.no_inference:
        prompts = [int(n) for n in a.prompt_tokens.split(',')]
        result['prefill'] = []
        for n in prompts:
            log(f'prefill {n} tokens')
            result['prefill'].append(dict(
                tokens=n,
                tokens_per_s=prefill_tokens_per_s(model, n, vocab, a.repeats)))
        log(f'decode {a.gen_tokens} tokens after {prompts[0]}, '
            f'{a.repeats} times')
        seconds = [decode_seconds(model, prompts[0], a.gen_tokens, vocab)
                   for _ in range(a.repeats)]
        result['decode_tokens_per_s'] = a.gen_tokens / statistics.median(
            seconds)
    if a.train:
        result.update(batch=a.batch, seq=a.seq, train_tokens_per_s=(
            train_tokens_per_s(model, vocab, a.batch, a.seq, a.train_steps)))
    print(json.dumps(result))


if __name__ == '__main__':
    main()
