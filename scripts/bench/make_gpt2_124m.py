#!/usr/bin/python3
"""Makes the benchmarks' common workload: a GPT-2 124M-shaped model (n_embd
768, 12 layers, 12 heads, vocab 50257, context 1024) with seeded random
weights, in plain PyTorch (scripts/bench/gpt2_module.py), exported to ONNX
three times and converted to .wisp:

  gpt2-124m.onnx      input_ids -> logits (prefill; what wisp converts)
  gpt2-124m-last.onnx input_ids -> the last position's logits (a prefill
                      with one classifier row, as wisp's)
  gpt2-124m-kv.onnx   input_ids, past_key_N, past_value_N -> logits,
                      present_key_N, present_value_N (ONNX Runtime decode)
  gpt2-124m.wisp      `wisp convert --from onnx` of the plain graph
  gpt2-124m-bf16.wisp the same with `--dtype bf16`, if wisp convert has it
  gpt2-124m.pt        the PyTorch weights (tests/bench/torch_bench.py)

It then checks that wisp's logits match PyTorch's on a few tokens, so that
every benchmark runs the same model. Run with Debian's python
(/usr/bin/python3: python3-torch). Outputs go to a cache folder (default
build-bench-models/ at the repository root), never into git; a stamp file
skips the work when the folder already holds the same model.

  /usr/bin/python3 scripts/bench/make_gpt2_124m.py [--out DIR] [--wisp BIN]
"""
import argparse
import json
import os
import subprocess
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpt2_module  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TOKENIZER = os.path.normpath(
    os.path.join(REPO, '..', 'shared', 'models', 'gpt2-tokenizer'))
# f32 over 12 layers: summation order differs between wisp and PyTorch, and
# the random weights keep the logits below about 1 in magnitude.
LOGITS_TOLERANCE = 1e-4


def log(*args):
    print('make_gpt2_124m:', *args, file=sys.stderr, flush=True)


def export(module, args, path, input_names, output_names, dynamic_axes):
    tmp = path + '.tmp'
    # No constant folding: it would rename the weights (Transpose of an
    # initializer folded into `onnx::MatMul_N`), which the importer refuses.
    torch.onnx.export(module, args, tmp, input_names=input_names,
                      output_names=output_names, dynamic_axes=dynamic_axes,
                      opset_version=17, do_constant_folding=False)
    os.replace(tmp, path)


def export_graphs(model, out, prefix):
    c = model.config
    log('exporting the plain graph')
    ids = torch.tensor([gpt2_module.synthetic_ids(4, c.vocab)])
    export(gpt2_module.PlainGraph(model), (ids,), f'{out}/{prefix}.onnx',
           ['input_ids'], ['logits'],
           {'input_ids': {0: 'batch', 1: 'seq'},
            'logits': {0: 'batch', 1: 'seq'}})
    log('exporting the last-logits graph')
    export(gpt2_module.LastLogitsGraph(model), (ids,),
           f'{out}/{prefix}-last.onnx', ['input_ids'], ['logits'],
           {'input_ids': {0: 'batch', 1: 'seq'}, 'logits': {0: 'batch'}})
    log('exporting the KV-cache graph')
    hd = c.n_embd // c.n_head
    # Trace with a past of 3 and 2 new tokens, so that neither length is
    # specialised into the graph as a constant.
    past = [torch.zeros(1, c.n_head, 3, hd) for _ in range(2 * c.n_layer)]
    names_in, names_out, axes = ['input_ids'], ['logits'], {
        'input_ids': {0: 'batch', 1: 'seq'}, 'logits': {0: 'batch', 1: 'seq'}}
    for i in range(c.n_layer):
        for kind in ('key', 'value'):
            names_in.append(f'past_{kind}_{i}')
            names_out.append(f'present_{kind}_{i}')
            axes[names_in[-1]] = {0: 'batch', 2: 'past'}
            axes[names_out[-1]] = {0: 'batch', 2: 'total'}
    export(gpt2_module.KvCacheGraph(model), (ids[:, :2], *past),
           f'{out}/{prefix}-kv.onnx', names_in, names_out, axes)


def check_kv_cache(model, n_prompt=5, n_decode=3):
    """PyTorch's own cache path against one full pass (both in PyTorch)."""
    ids = torch.tensor([gpt2_module.synthetic_ids(n_prompt + n_decode,
                                                   model.config.vocab)])
    full, _ = model(ids)
    logits, past = model(ids[:, :n_prompt])
    rows = [logits]
    for i in range(n_prompt, n_prompt + n_decode):
        logits, past = model(ids[:, i:i + 1], past)
        rows.append(logits)
    diff = (torch.cat(rows, dim=1) - full).abs().max().item()
    log(f'PyTorch KV-cache decode vs full pass: max abs diff {diff:.2e}')
    return diff


def run(cmd):
    log('$', ' '.join(cmd))
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)


def convert(wisp, out, prefix):
    base = [wisp, 'convert', '--from', 'onnx', f'{out}/{prefix}.onnx',
            '--gpt2-vocab', f'{TOKENIZER}/encoder.json',
            '--gpt2-merges', f'{TOKENIZER}/vocab.bpe', '-q']
    r = run(base + ['-o', f'{out}/{prefix}.wisp'])
    if r.returncode != 0:
        sys.exit(f'make_gpt2_124m: wisp convert failed: {r.stderr.strip()}')
    r = run(base + ['--dtype', 'bf16', '-o', f'{out}/{prefix}-bf16.wisp'])
    if r.returncode != 0:
        log('no bf16 model (wisp convert --dtype bf16 said:',
            r.stderr.strip() + ')')
        if os.path.exists(f'{out}/{prefix}-bf16.wisp'):
            os.remove(f'{out}/{prefix}-bf16.wisp')  # from an older wisp


def check_wisp_logits(model, wisp, out, prefix, n=8,
                      tolerance=LOGITS_TOLERANCE):
    """Max abs difference of `wisp logits` on OUT/PREFIX.wisp from
    PyTorch's on n tokens."""
    ids = gpt2_module.synthetic_ids(n, model.config.vocab)
    logits_path = f'{out}/{prefix}.check_logits.bin'
    r = run([wisp, 'logits', '-m', f'{out}/{prefix}.wisp', '--ids',
             ','.join(map(str, ids)), '-o', logits_path])
    if r.returncode != 0:
        sys.exit(f'make_gpt2_124m: wisp logits failed: {r.stderr.strip()}')
    with open(logits_path, 'rb') as f:
        got = torch.frombuffer(bytearray(f.read()), dtype=torch.float32)
    os.remove(logits_path)
    expected = model(torch.tensor([ids]))[0][0].reshape(-1)
    if got.numel() != expected.numel():
        sys.exit(f'make_gpt2_124m: wisp gave {got.numel()} logits, '
                 f'PyTorch {expected.numel()}')
    diff = (got - expected).abs().max().item()
    log(f'wisp vs PyTorch logits on {n} tokens: max abs diff {diff:.2e} '
        f'(largest logit {expected.abs().max().item():.3f}, '
        f'tolerance {tolerance or "not enforced"})')
    return diff


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--out', default=os.path.join(REPO, 'build-bench-models'))
    p.add_argument('--wisp', default=os.path.join(REPO, 'build', 'bin', 'wisp'))
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--prefix', default='gpt2-124m')
    # Smaller shapes check the pipeline quickly; the benchmarks use defaults.
    p.add_argument('--n-layer', type=int, default=12)
    p.add_argument('--n-embd', type=int, default=768)
    p.add_argument('--n-head', type=int, default=12)
    p.add_argument('--force', action='store_true', help='remake everything')
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    stamp_path = f'{a.out}/{a.prefix}.stamp.json'
    stamp = dict(seed=a.seed, n_layer=a.n_layer, n_embd=a.n_embd,
                 n_head=a.n_head, vocab=50257, n_ctx=1024)
    exported = not a.force and os.path.exists(stamp_path)
    if exported:
        with open(stamp_path) as f:
            exported = json.load(f) == stamp
    wisp_file = f'{a.out}/{a.prefix}.wisp'
    # A rebuilt wisp may write another format version: convert again.
    converted = exported and os.path.exists(wisp_file) and (
        os.path.getmtime(wisp_file) >= os.path.getmtime(a.wisp))
    if converted:
        log(f'{a.out}/{a.prefix}.* are up to date')
        return

    torch.set_num_threads(2)
    config = gpt2_module.Config(n_embd=a.n_embd, n_layer=a.n_layer,
                                n_head=a.n_head)
    model = gpt2_module.Gpt2(config)
    model.init_weights(a.seed)
    model.eval()
    with torch.no_grad():
        if not exported:
            if os.path.exists(stamp_path):
                os.remove(stamp_path)
            torch.save(model.state_dict(), f'{a.out}/{a.prefix}.pt')
            export_graphs(model, a.out, a.prefix)
            if not check_kv_cache(model) <= LOGITS_TOLERANCE:
                sys.exit('make_gpt2_124m: the KV-cache path is wrong')
            with open(stamp_path, 'w') as f:
                json.dump(stamp, f)
        convert(a.wisp, a.out, a.prefix)
        if not check_wisp_logits(model, a.wisp, a.out, a.prefix) <= \
                LOGITS_TOLERANCE:
            os.remove(wisp_file)  # so that no benchmark runs another model
            sys.exit('make_gpt2_124m: wisp and PyTorch logits differ')
        if os.path.exists(f'{a.out}/{a.prefix}-bf16.wisp'):
            # Shown, not enforced: bf16 weights (8 bits of mantissa) move
            # the logits by far more than f32 rounding does.
            log('bf16 model:')
            check_wisp_logits(model, a.wisp, a.out, a.prefix + '-bf16',
                              tolerance=None)
    log('done:', ', '.join(sorted(os.listdir(a.out))))

if __name__ == '__main__':
    main()
