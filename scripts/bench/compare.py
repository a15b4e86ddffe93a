#!/usr/bin/env python3
"""Runs wisp and the reference systems on the same machine, threads and
workloads in one session, and prints the ratios issue 5 asks for (see
tests/bench/README.md for what each figure means). Progress goes to stderr,
the table to stdout; every raw result is kept as JSON in --results.

  scripts/bench/compare.py [--build build] [--parts gemm,gpt2,...]
      [--threads 2] [--repeats 3] [--rounds 1] [--gen-tokens 64]
      [--train-steps 3] [--small-train-steps 24]

Parts: machine (FMA peak, triad), gemm (wisp MatMul vs peak, triad and
OpenBLAS), gpt2 (124M prefill/decode vs ONNX Runtime, decode vs the
bandwidth bound, load time), bf16 (bf16 vs f32 decode), stories (stories260K
decode on one thread), train (vs PyTorch), scaling (2 vs 1 thread). Parts
that need others (a ratio to the FMA peak needs `machine`) run them too.
Needs scripts/bench/setup.sh first; only the standard library here (the
PyTorch scripts run under /usr/bin/python3).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SHARED = os.path.normpath(os.path.join(REPO, '..', 'shared'))
TORCH_PYTHON = '/usr/bin/python3'  # Debian's python3-torch lives there
ALL_PARTS = ['machine', 'gemm', 'gpt2', 'bf16', 'stories', 'train',
             'scaling']
GEMM_SHAPES = [(128, 768, 2304), (512, 768, 3072), (512, 3072, 768)]
GEMV_SHAPE = (1, 768, 50257)
LOAD_RUNS = 5  # fresh wisp processes timed for the load figure


def log(*args):
    print('compare:', *args, file=sys.stderr, flush=True)


class Runner:
    """Runs commands, keeps every JSON result under --results."""

    def __init__(self, results_dir):
        self.results_dir = results_dir
        os.makedirs(results_dir, exist_ok=True)
        self.count = 0

    def json(self, name, cmd, env=None, stderr_lines=None):
        """The JSON the command prints; None if it failed. Its stderr goes
        to ours, and into `stderr_lines` if given."""
        self.count += 1
        log(f'[{self.count}] {name}: {" ".join(cmd)}')
        start = time.time()
        r = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, env=env,
                           cwd=REPO, stderr=None if stderr_lines is None
                           else subprocess.PIPE)
        if stderr_lines is not None:
            sys.stderr.write(r.stderr)
            stderr_lines.extend(r.stderr.splitlines())
        if r.returncode != 0:
            log(f'{name} failed (exit {r.returncode}); skipping its figures')
            return None
        log(f'[{self.count}] {name}: {time.time() - start:.0f} s')
        with open(os.path.join(self.results_dir, f'{name}.json'), 'w') as f:
            f.write(r.stdout)
        # Google Benchmark prints one document; the others print one line.
        return json.loads(r.stdout)


class Table:
    def __init__(self):
        self.rows = []

    def add(self, figure, wisp, reference, ratio, goal, met=None):
        self.rows.append((figure, wisp, reference, ratio, goal,
                          '' if met is None else ('yes' if met else 'NO')))

    def note(self, text):
        self.rows.append((text, '', '', '', '', ''))

    def print(self):
        head = ('figure', 'wisp', 'reference', 'ratio', 'goal', 'met')
        rows = [head] + self.rows
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        line = lambda r: '| ' + ' | '.join(
            c.ljust(w) for c, w in zip(r, widths)) + ' |'
        print(line(head))
        print('|' + '|'.join('-' * (w + 2) for w in widths) + '|')
        for r in self.rows:
            print(line(r))


def gb_per_s(benchmark):
    """A Google Benchmark entry's bandwidth: a `GB/s` counter, or the
    built-in bytes_per_second."""
    if 'GB/s' in benchmark:
        return benchmark['GB/s']
    if 'bytes_per_second' in benchmark:
        return benchmark['bytes_per_second'] / 1e9
    return None


def median_of(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, unit='', digits=1):
    return '—' if value is None else f'{value:,.{digits}f}{unit}'


def spread_of(ratios):
    """' (rounds: lo-hi)' for two or more per-round ratios, else '': how
    far the figure moved between rounds on this machine."""
    if len(ratios) < 2:
        return ''
    return f' (rounds: {min(ratios):.2f}-{max(ratios):.2f}x)'


def ratio_cell(a, b, percent=False):
    if a is None or b is None or b == 0:
        return None, '—'
    r = a / b
    return r, f'{100 * r:.0f} %' if percent else f'{r:.2f}x'


class Compare:
    def __init__(self, a):
        self.a = a
        self.build = os.path.abspath(a.build)
        self.wisp = os.path.join(self.build, 'bin', 'wisp')
        self.models = os.path.abspath(a.models)
        self.gpt2 = os.path.join(self.models, 'gpt2-124m')
        self.run = Runner(a.results)
        self.table = Table()
        self.peak = {}      # threads -> GFLOP/s
        self.triad = {}     # threads -> GB/s
        self.wisp_runs = {}  # key -> list of wisp bench JSON
        self.kernel_results = None
        self.parts = a.parts

    # --- building and preparing -----------------------------------------

    def build_targets(self, parts):
        targets = ['wisp_cli', 'wisp_kernels_bench', 'default_model']
        if 'gemm' in parts:
            subprocess.run(['cmake', self.build], cwd=REPO,
                           stdout=subprocess.DEVNULL, check=True)
            targets.append('wisp_openblas_sgemm')
        log('building', ' '.join(targets))
        r = subprocess.run(['cmake', '--build', self.build, '-j2', '--target',
                            *targets], cwd=REPO, stdout=subprocess.DEVNULL)
        if r.returncode != 0:
            sys.exit('compare: the build failed (see above); is OpenBLAS '
                     'installed (scripts/bench/setup.sh)?')

    def make_gpt2(self):
        r = subprocess.run([TORCH_PYTHON,
                            os.path.join(REPO, 'scripts', 'bench',
                                         'make_gpt2_124m.py'),
                            '--out', self.models, '--wisp', self.wisp],
                           cwd=REPO)
        if r.returncode != 0:
            sys.exit('compare: could not make the GPT-2 124M model')

    # --- measurements -------------------------------------------------------

    def kernels(self):
        """wisp_kernels_bench's MatMul and machine-baseline benchmarks and,
        for the gemm part, OpenBLAS, alternating --rounds times so that a
        busy spell slows both alike. Run once; returns (per round: median
        entries, per round: OpenBLAS JSON, stderr lines)."""
        if self.kernel_results is None:
            exe = os.path.join(self.build, 'tests', 'bench',
                               'wisp_kernels_bench')
            blas_exe = os.path.join(self.build, 'tests', 'bench',
                                    'wisp_openblas_sgemm')
            # The yardstick picks its own kernel for this CPU.
            blas_env = {k: v for k, v in os.environ.items()
                        if k not in ('OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE')}
            shapes = '|'.join(f'^BM_MatMul/m:{m}/k:{k}/n:{n}/'
                              for m, k, n in GEMM_SHAPES + [GEMV_SHAPE])
            rounds, blas, lines = [], [], []
            for i in range(self.a.rounds):
                out = self.run.json(f'kernels_{i}', [
                    exe, f'--benchmark_filter={shapes}|Fma|Peak|Triad',
                    '--benchmark_format=json',
                    f'--benchmark_repetitions={self.a.repeats}',
                    '--benchmark_report_aggregates_only=true'],
                    stderr_lines=lines)
                rounds.append([] if out is None else [
                    b for b in out.get('benchmarks', [])
                    if b.get('aggregate_name', 'median') == 'median'])
                if 'gemm' in self.parts:
                    blas.append(self.run.json(
                        f'gemm_openblas_{i}', [blas_exe, '--threads', '1,2'],
                        env=blas_env))
            self.kernel_results = (rounds, [b for b in blas if b], lines)
        return self.kernel_results

    def machine(self):
        """FMA peak and triad per thread count, from wisp_kernels_bench:
        its `baseline, N thread(s): FMA peak X GFLOP/s, triad Y GB/s` lines
        (tests/bench/machine_baselines.h), or benchmarks named *Fma*/*Peak*
        (GFLOP/s) and *Triad* (GB/s) with a `threads:` argument."""
        rounds, _, lines = self.kernels()
        entries = [b for r in rounds for b in r]
        for line in lines:
            m = re.search(r'baseline, (\d+) thread\(s\): FMA peak ([\d.]+) '
                          r'GFLOP/s, triad ([\d.]+) GB/s', line)
            if m:
                t = int(m.group(1))
                self.peak[t] = max(self.peak.get(t, 0), float(m.group(2)))
                self.triad[t] = max(self.triad.get(t, 0), float(m.group(3)))
        for b in entries:
            if not re.search('Fma|Peak|Triad', b['name']):
                continue
            m = re.search(r'threads:(\d+)', b['name'])
            t = int(m.group(1)) if m else 1
            if 'Triad' in b['name'] and gb_per_s(b):
                self.triad[t] = max(self.triad.get(t, 0), gb_per_s(b))
            elif 'GFLOP/s' in b:
                self.peak[t] = max(self.peak.get(t, 0), b['GFLOP/s'])
        if not self.peak or not self.triad:
            self.table.note('no FMA-peak/triad figures from '
                            'wisp_kernels_bench: ratios to them are missing')
        for t in sorted(self.peak):
            self.table.add(f'FMA peak, {t} thread(s)',
                           fmt(self.peak[t], ' GFLOP/s'), '', '', '')
        for t in sorted(self.triad):
            self.table.add(f'triad bandwidth, {t} thread(s)',
                           fmt(self.triad[t], ' GB/s'), '', '', '')

    def gemm(self):
        rounds, blas_runs, _ = self.kernels()
        per_key = {}
        for b in (b for r in rounds for b in r):
            m = re.search(r'm:(\d+)/k:(\d+)/n:(\d+)/threads:(\d+)', b['name'])
            if m:
                per_key.setdefault(tuple(int(g) for g in m.groups()), []).append(
                    (b.get('GFLOP/s'), gb_per_s(b), b.get('pct_peak_cpu'),
                     b.get('pct_triad_cpu')))
        # Median over the rounds, figure by figure.
        wisp = {key: tuple(median_of(column) for column in zip(*values))
                for key, values in per_key.items()}
        ref = {}
        for blas in blas_runs:
            for r in blas['results']:
                ref.setdefault((r['m'], r['k'], r['n'], r['threads']),
                               []).append(r)
        ref = {key: {'gflops': median_of([r['gflops'] for r in rs]),
                     'gbs': median_of([r['gbs'] for r in rs])}
               for key, rs in ref.items()}
        blas = blas_runs[0] if blas_runs else {'corename': '?', 'config': ''}
        core = blas['corename']
        version = ' '.join(blas.get('config', '').split()[:2])
        self.table.note(f'{version} ran its {core} kernels')
        for t in (1, 2):
            for m, k, n in GEMM_SHAPES:
                gflops, _, cpu_pct, _ = wisp.get((m, k, n, t), (None,) * 4)
                r, cell = ratio_cell(gflops, self.peak.get(t), percent=True)
                if cpu_pct is not None:
                    cell += f' (per CPU s: {cpu_pct:.0f} %)'
                self.table.add(f'GEMM {m}x{k}x{n}, {t} thread(s) / FMA peak',
                               fmt(gflops, ' GFLOP/s'),
                               fmt(self.peak.get(t), ' GFLOP/s'), cell,
                               '>= 70 %', None if r is None else r >= 0.7)
                blas_gflops = ref.get((m, k, n, t), {}).get('gflops')
                r, cell = ratio_cell(gflops, blas_gflops)
                self.table.add(f'GEMM {m}x{k}x{n}, {t} thread(s) / OpenBLAS',
                               fmt(gflops, ' GFLOP/s'),
                               fmt(blas_gflops, ' GFLOP/s'), cell,
                               '(about 1.6x)')
            m, k, n = GEMV_SHAPE
            _, gbs, _, cpu_pct = wisp.get((m, k, n, t), (None,) * 4)
            # Against the triad of its own minute: the machine's best triad
            # of the run (above) may come from a spell when other tenants
            # left the memory bus free, the GEMV's median from a busy one.
            # The row shows the pair whose ratio is the median, so that its
            # two figures and its ratio belong together.
            pairs = sorted(((g, b) for g, b in self.gemv_beside_triad(t)
                            if g and b), key=lambda p: p[0] / p[1])
            middle = pairs[len(pairs) // 2] if pairs else (None, None)
            r = middle[0] / middle[1] if pairs else None
            cell = '—' if r is None else f'{100 * r:.0f} %'
            if len(pairs) > 1:
                cell += (f' (pairs: {100 * pairs[0][0] / pairs[0][1]:.0f}-'
                         f'{100 * pairs[-1][0] / pairs[-1][1]:.0f} %)')
            if cpu_pct is not None:
                cell += f' (per CPU s: {cpu_pct:.0f} %)'
            self.table.add(f'GEMV {m}x{k}x{n}, {t} thread(s) / triad beside it',
                           fmt(middle[0], ' GB/s'), fmt(middle[1], ' GB/s'),
                           cell, '>= 80 %', None if r is None else r >= 0.8)
            blas_gbs = ref.get((m, k, n, t), {}).get('gbs')
            r, cell = ratio_cell(gbs, blas_gbs)
            self.table.add(f'GEMV {m}x{k}x{n}, {t} thread(s) / OpenBLAS',
                           fmt(gbs, ' GB/s'), fmt(blas_gbs, ' GB/s'), cell, '')

    def wisp_bench(self, key, model, threads, prompt, gen, train=None,
                   extra=(), train_steps=None):
        cmd = [self.wisp, 'bench', '-m', model, '--threads', str(threads),
               '--prompt-tokens', str(prompt), '--gen-tokens', str(gen),
               '--repeats', str(self.a.repeats), '--json', *extra]
        if train:
            cmd += ['--train', '--batch', str(train[0]), '--seq',
                    str(train[1]), '--train-steps',
                    str(train_steps or self.a.train_steps)]
        out = self.run.json(f'wisp_{key}_{len(self.wisp_runs.get(key, []))}',
                            cmd)
        self.wisp_runs.setdefault(key, []).append(out)
        return out

    def wisp_figure(self, key, field):
        return median_of([r.get(field) for r in self.wisp_runs.get(key, [])
                          if r])

    def ort(self, threads):
        # ONNX Runtime leaves an empty mat-debug-PID.log in TMPDIR for every
        # process: keep them with the results rather than in /tmp.
        tmp = os.path.join(self.run.results_dir, 'tmp')
        os.makedirs(tmp, exist_ok=True)
        return self.run.json(f'ort_t{threads}', [
            'node', os.path.join(REPO, 'tests', 'bench', 'ort_bench.js'),
            '--dir', self.models, '--threads', str(threads),
            '--prompt-tokens', '128,512', '--gen-tokens',
            str(self.a.gen_tokens), '--repeats', str(self.a.repeats)],
            env=dict(os.environ, TMPDIR=tmp))

    def triad_now(self, threads, key):
        """The triad bandwidth (GB/s) on `threads` threads, measured now:
        the machine's bandwidth drifts by 20 % within an hour, so a figure
        is compared with the bandwidth of its own minute."""
        exe = os.path.join(self.build, 'tests', 'bench', 'wisp_kernels_bench')
        out = self.run.json(key, [
            exe, f'--benchmark_filter=^BM_Triad/threads:{threads}/',
            '--benchmark_format=json'])
        entries = [] if out is None else out.get('benchmarks', [])
        return median_of([gb_per_s(b) for b in entries])

    def gemv_beside_triad(self, threads, pairs=3):
        """(GEMV GB/s, triad GB/s) measured one right after the other,
        `pairs` times: the GEMV is compared with the bandwidth of its own
        minute, as the decode is (triad_now)."""
        exe = os.path.join(self.build, 'tests', 'bench', 'wisp_kernels_bench')
        m, k, n = GEMV_SHAPE
        out = []
        for i in range(pairs):
            run = self.run.json(f'gemv_t{threads}_{i}', [
                exe,
                f'--benchmark_filter=^BM_MatMul/m:{m}/k:{k}/n:{n}/'
                f'threads:{threads}/', '--benchmark_format=json'])
            gemv = median_of([gb_per_s(b) for b in
                              ([] if run is None else run.get('benchmarks',
                                                              []))])
            out.append((gemv, self.triad_now(threads,
                                             f'gemv_triad_t{threads}_{i}')))
        return out

    def gpt2_part(self, do_bandwidth):
        t = self.a.threads
        ort_runs = []
        decode_and_triad = []  # (decode tok/s, triad GB/s) of the same minute
        # Load: the first process finds the file's page cache as it is
        # (after a reboot, or when the host has reclaimed it, that is a read
        # from disk, which no loader controls); the figure is the median of
        # fresh processes after it.
        self.wisp_bench('gpt2_load_first', self.gpt2 + '.wisp', t, 1, 1)
        for _ in range(LOAD_RUNS):
            self.wisp_bench('gpt2_load', self.gpt2 + '.wisp', t, 1, 1)
        for i in range(self.a.rounds):  # alternate, so drift hits both
            p128 = self.wisp_bench('gpt2_p128', self.gpt2 + '.wisp', t, 128,
                                   self.a.gen_tokens)
            if do_bandwidth:
                triad = self.triad_now(t, f'triad_t{t}_{i}')
                decode = (p128 or {}).get('decode_tokens_per_s')
                if decode and triad:
                    decode_and_triad.append((decode, triad))
            self.wisp_bench('gpt2_p512', self.gpt2 + '.wisp', t, 512, 16)
            ort_runs.append(self.ort(t))
        # Round i's wisp runs against round i's ORT run, for the spread.
        paired_ort = list(ort_runs)
        ort_runs = [r for r in ort_runs if r]

        def ort_figure(fn):
            return median_of([fn(r) for r in ort_runs])
        for i, n in enumerate((128, 512)):
            wisp = self.wisp_figure(f'gpt2_p{n}', 'prefill_tokens_per_s')
            ref = ort_figure(lambda r: r['prefill'][i]['tokens_per_s'])
            ref_all = ort_figure(
                lambda r: r['prefill'][i]['all_logits_tokens_per_s'])
            r, cell = ratio_cell(wisp, ref)
            cell += spread_of([
                (w or {}).get('prefill_tokens_per_s') /
                o['prefill'][i]['tokens_per_s']
                for w, o in zip(self.wisp_runs.get(f'gpt2_p{n}', []),
                                paired_ort)
                if o and (w or {}).get('prefill_tokens_per_s')])
            self.table.add(f'GPT-2 124M prefill {n}, {t} threads / ORT',
                           fmt(wisp, ' tok/s'), fmt(ref, ' tok/s'), cell,
                           '>= 1.3x', None if r is None else r >= 1.3)
            if ref and self.peak.get(t):
                # ORT's graph is taken to run the whole last layer; wisp
                # runs it for the last row only.
                ort_flops = gpt2_forward_flops(n, logits_positions=1)
                wisp_flops = gpt2_forward_flops(n, logits_positions=1,
                                                last_layer_rows=1)
                ceiling_row(self.table, 'ORT prefill',
                            ort_flops / n * ref / 1e9, self.peak[t],
                            self.peak[t] * 1e9 / (wisp_flops / n) / ref)
            r, cell = ratio_cell(wisp, ref_all)
            self.table.add(f'  (ORT computing every position\'s logits)',
                           fmt(wisp, ' tok/s'), fmt(ref_all, ' tok/s'), cell,
                           '')
        decode = self.wisp_figure('gpt2_p128', 'decode_tokens_per_s')
        ref = ort_figure(lambda r: r['decode_tokens_per_s'])
        r, cell = ratio_cell(decode, ref)
        self.table.add(f'GPT-2 124M decode, {t} threads / ORT KV-cache graph',
                       fmt(decode, ' tok/s'), fmt(ref, ' tok/s'), cell,
                       '>= 1.3x', None if r is None else r >= 1.3)
        if do_bandwidth:
            # Each decode run against the triad measured right after it;
            # the median of those ratios.
            per_token = gpt2_weight_bytes_per_token()
            bound = median_of([tr * 1e9 / per_token
                               for _, tr in decode_and_triad])
            r = median_of([d / (tr * 1e9 / per_token)
                           for d, tr in decode_and_triad])
            r, cell = ratio_cell(r, 1.0, percent=True)
            self.table.add(f'GPT-2 124M decode / bandwidth bound ({t} thr.)',
                           fmt(decode, ' tok/s'), fmt(bound, ' tok/s'), cell,
                           '>= 80 %', None if r is None else r >= 0.8)
            self.table.add('  (bound: f32 weight bytes per token / triad '
                           'measured next to each decode run)', '', '', '', '')
        load = self.wisp_figure('gpt2_load', 'load_ms')
        self.table.add(f'GPT-2 124M load (mmap + verify), median of '
                       f'{LOAD_RUNS} processes', fmt(load, ' ms'),
                       '', '', '< 50 ms', None if load is None else load < 50)
        first = self.wisp_figure('gpt2_load_first', 'load_ms')
        self.table.add('  first load of this run (page cache as found)',
                       fmt(first, ' ms'), '', '', '')
        ttft = self.wisp_figure('gpt2_p128', 'first_token_ms')
        r, cell = ratio_cell(load, ttft, percent=True)
        self.table.add('  load share of time to first token (128 tokens)',
                       fmt(ttft, ' ms'), '', cell, 'compute-dominated',
                       None if r is None else r < 0.5)
        for _ in range(self.a.rounds):
            self.wisp_bench('gpt2_nocrc', self.gpt2 + '.wisp', t, 128, 1,
                            extra=['--no-checksums'])
        load = self.wisp_figure('gpt2_nocrc', 'load_ms')
        ttft = self.wisp_figure('gpt2_nocrc', 'first_token_ms')
        self.table.add('  load without tensor checksums (--no-checksums)',
                       fmt(load, ' ms'), '', '', '< 50 ms',
                       None if load is None else load < 50)
        self.table.add('  time to first token without them (128 tokens)',
                       fmt(ttft, ' ms'), '', '', '')
        rss = self.wisp_figure('gpt2_p128', 'peak_rss_mb')
        self.table.add('  peak RSS (wisp bench, 124M f32)', fmt(rss, ' MB'),
                       '', '', '')

    def bf16(self):
        path = self.gpt2 + '-bf16.wisp'
        if not os.path.exists(path):
            self.table.note('bf16: skipped (wisp convert has no --dtype '
                            'bf16, so there is no bf16 model)')
            return
        t = self.a.threads
        for _ in range(self.a.rounds):  # alternate: both see the same load
            self.wisp_bench('gpt2_bf16', path, t, 128, self.a.gen_tokens)
            self.wisp_bench('gpt2_f32', self.gpt2 + '.wisp', t, 128,
                            self.a.gen_tokens)
        bf16 = self.wisp_figure('gpt2_bf16', 'decode_tokens_per_s')
        f32 = self.wisp_figure('gpt2_f32', 'decode_tokens_per_s')
        r, cell = ratio_cell(bf16, f32)
        self.table.add(f'GPT-2 124M decode bf16 / f32, {t} threads',
                       fmt(bf16, ' tok/s'), fmt(f32, ' tok/s'), cell,
                       '>= 1.7x', None if r is None else r >= 1.7)
        # Prompts of a bf16 model run on vdpbf16ps where the CPU has it and
        # the build (GCC or Clang on x86-64) has the kernel
        # (src/kernels/gemm_bf16_dot.h), else at the f32 GEMM's speed.
        bf16 = self.wisp_figure('gpt2_bf16', 'prefill_tokens_per_s')
        f32 = self.wisp_figure('gpt2_f32', 'prefill_tokens_per_s')
        r, cell = ratio_cell(bf16, f32)
        cpu = 'CPU has' if cpu_has_flag('avx512_bf16') else 'CPU lacks'
        self.table.add(f'GPT-2 124M prefill 128 bf16 / f32 ({cpu} '
                       'AVX512_BF16)',
                       fmt(bf16, ' tok/s'), fmt(f32, ' tok/s'), cell, '')

    def stories(self):
        model = os.path.join(self.build, 'models', 'stories260K.wisp')
        for _ in range(self.a.rounds):
            self.wisp_bench('stories_t1', model, 1, 16, 256)
        decode = self.wisp_figure('stories_t1', 'decode_tokens_per_s')
        self.table.add('stories260K decode, 1 thread', fmt(decode, ' tok/s'),
                       '', '', '>= 20,000 tok/s',
                       None if decode is None else decode >= 20000)

    def torch_train(self, key, source, batch, seq, steps, threads,
                    blas_threads):
        return self.run.json(f'torch_{key}_t{threads}_b{blas_threads}', [
            TORCH_PYTHON, os.path.join(REPO, 'tests', 'bench',
                                       'torch_bench.py'), *source,
            '--threads', str(threads), '--blas-threads', str(blas_threads),
            '--no-inference', '--train', '--batch', str(batch), '--seq',
            str(seq), '--train-steps', str(steps)])

    def train(self):
        t = self.a.threads
        stories = os.path.join(self.build, 'models', 'stories260K.wisp')
        # A stories260K step takes ~40 ms against GPT-2's ~2 s: it runs more
        # steps, so that a short slow spell of the machine weighs less.
        cases = [('gpt2', self.gpt2 + '.wisp',
                  ['--gpt2', self.gpt2 + '.pt'], 4, 128, self.a.train_steps,
                  3.0),
                 ('stories', stories,
                  ['--llama2c', os.path.join(SHARED, 'models', 'stories260K',
                                             'stories260K.bin')], 8, 256,
                  self.a.small_train_steps, 4.0)]
        # PyTorch's set-ups on t cores, (torch threads, OpenBLAS threads):
        # Debian's PyTorch multiplies through OpenBLAS, which has threads of
        # its own (torch_bench.py). Which is fastest depends on the model
        # (the GEMMs on t threads for GPT-2, torch's own ops on t threads
        # for the small model), so all run and the fastest is the reference.
        setups = sorted({(t, t), (1, t), (t, 1)})
        for name, model, source, batch, seq, steps, goal in cases:
            refs = {s: [] for s in setups}
            for _ in range(self.a.rounds):
                self.wisp_bench(f'train_{name}_t{t}', model, t, 1, 1,
                                train=(batch, seq), train_steps=steps)
                for s in setups:
                    refs[s].append(self.torch_train(name, source, batch, seq,
                                                    steps, *s))
            medians = {s: median_of([r['train_tokens_per_s']
                                     for r in refs[s] if r]) for s in setups}
            measured = [s for s in setups if medians[s] is not None]
            best = max(measured, key=lambda s: medians[s], default=None)
            ref = None if best is None else medians[best]
            wisp = self.wisp_figure(f'train_{name}_t{t}', 'train_tokens_per_s')
            r, cell = ratio_cell(wisp, ref)
            self.table.add(f'train {name} {batch}x{seq}, {t} threads / '
                           'PyTorch', fmt(wisp, ' tok/s'), fmt(ref, ' tok/s'),
                           cell, f'>= {goal:.0f}x',
                           None if r is None else r >= goal)
            if name == 'gpt2' and ref and self.peak.get(t):
                # Backward: twice the forward's products (input and weight
                # gradients).
                rate = 3 * gpt2_forward_flops(seq) / seq * ref / 1e9
                ceiling_row(self.table, 'PyTorch training', rate,
                            self.peak[t], self.peak[t] / rate)
            for s in measured if len(measured) > 1 else []:
                r, cell = ratio_cell(wisp, medians[s])
                label = f'torch {s[0]} + OpenBLAS {s[1]} thr.'
                # What the runs report: another BLAS than OpenBLAS ignores
                # --blas-threads.
                got = {run.get('blas_threads') for run in refs[s] if run}
                if got != {s[1]}:
                    label = (f'torch {s[0]} thr., BLAS threads asked {s[1]}, '
                             f'got {sorted(got, key=str)}')
                if s == best:
                    label += ', the fastest'
                self.table.add(f'  (PyTorch: {label})', fmt(wisp, ' tok/s'),
                               fmt(medians[s], ' tok/s'), cell, '')
            first = self.wisp_figure(f'train_{name}_t{t}',
                                     'train_first_step_ms')
            self.table.add('  wisp trainer creation + first step',
                           fmt(first, ' ms'), '', '', '')

    def scaling(self):
        for _ in range(self.a.rounds):
            for t in (1, 2):
                self.wisp_bench(f'scale_prefill_t{t}', self.gpt2 + '.wisp', t,
                                512, 1)
                self.wisp_bench(f'scale_train_t{t}', self.gpt2 + '.wisp', t, 1,
                                1, train=(4, 128))
        for what, key, field in [
                ('prefill 512', 'scale_prefill', 'prefill_tokens_per_s'),
                ('training 4x128', 'scale_train', 'train_tokens_per_s')]:
            one = self.wisp_figure(f'{key}_t1', field)
            two = self.wisp_figure(f'{key}_t2', field)
            r, cell = ratio_cell(two, one)
            self.table.add(f'GPT-2 124M {what}: 2 threads / 1 thread',
                           fmt(two, ' tok/s'), fmt(one, ' tok/s'), cell,
                           '>= 1.8x', None if r is None else r >= 1.8)


def cpu_has_flag(flag):
    """Whether /proc/cpuinfo lists `flag` (False where there is none)."""
    try:
        with open('/proc/cpuinfo') as f:
            return any(line.startswith('flags') and flag in line.split()
                       for line in f)
    except OSError:
        return False


def gpt2_weight_bytes_per_token(d=768, layers=12, vocab=50257):
    """f32 bytes a decode step must stream: every layer's matrices (q, k, v,
    o: 4 d^2; MLP: 8 d^2) and the classifier (vocab x d). Biases, norms and
    one position row are under 0.1 % and left out; so is the KV cache."""
    return 4 * (layers * 12 * d * d + vocab * d)


def gpt2_forward_flops(tokens, batch=1, logits_positions=None,
                       last_layer_rows=None, d=768, layers=12, vocab=50257):
    """Multiply-adds x 2 of a causal forward pass over `batch` sequences of
    `tokens`: every layer's matrices (12 d^2 per position), attention
    (scores and the weighted sum: 4 d per query and key it sees, causally
    i keys for the i-th query) and the classifier at `logits_positions`
    per sequence (all positions when None). With `last_layer_rows`, the
    last layer computes keys and values for every position but the rest
    (queries, attention, output projection, MLP: 10 d^2) only for its last
    rows, as wisp does when only the last logits are wanted. Norms, GELU and
    softmax are under 1 % and left out."""
    if logits_positions is None:
        logits_positions = tokens

    def attention(first, last):  # queries [first, last), 1-based
        return 4 * d * (last * (last + 1) - first * (first + 1)) // 2

    full_layer = 2 * tokens * 12 * d * d + attention(0, tokens)
    flops = (layers - 1) * full_layer + 2 * logits_positions * d * vocab
    if last_layer_rows is None:
        flops += full_layer
    else:
        flops += (2 * tokens * 2 * d * d + 2 * last_layer_rows * 10 * d * d +
                  attention(tokens - last_layer_rows, tokens))
    return batch * flops


def ceiling_row(table, what, reference_gflops, peak, ceiling):
    """A context row: the reference's GFLOP/s against this machine's FMA
    peak, and `ceiling`, the highest ratio to the reference that wisp's own
    work could reach at that peak. A goal above it cannot be met here."""
    if not reference_gflops or not peak or not ceiling:
        return
    table.add(f'  ({what} at {fmt(reference_gflops)} GFLOP/s = '
              f'{100 * reference_gflops / peak:.0f} % of the FMA peak; the '
              f'ratio cannot exceed {ceiling:.2f}x here)', '', '', '', '')


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--build', default=os.path.join(REPO, 'build'))
    p.add_argument('--models', default=os.path.join(REPO, 'build-bench-models'))
    p.add_argument('--results', default=None,
                   help='folder for raw JSON (default: MODELS/results-TIME)')
    p.add_argument('--parts', default=','.join(ALL_PARTS))
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--rounds', type=int, default=1,
                   help='alternate wisp and the reference this many times')
    p.add_argument('--gen-tokens', type=int, default=64)
    p.add_argument('--train-steps', type=int, default=3)
    p.add_argument('--small-train-steps', type=int, default=24,
                   help='timed training steps of stories260K (both sides)')
    p.add_argument('--no-build', action='store_true')
    a = p.parse_args()
    parts = [x for x in a.parts.split(',') if x]
    unknown = set(parts) - set(ALL_PARTS)
    if unknown:
        sys.exit(f'compare: unknown parts {sorted(unknown)}; '
                 f'known: {",".join(ALL_PARTS)}')
    # Ratios to the peak and the bandwidth need the machine's own figures.
    if {'gemm', 'gpt2', 'train'} & set(parts) and 'machine' not in parts:
        parts.insert(0, 'machine')
    a.parts = parts
    a.results = a.results or os.path.join(
        a.models, time.strftime('results-%Y%m%d-%H%M%S'))
    c = Compare(a)
    if not a.no_build:
        c.build_targets(parts)
    if {'gpt2', 'bf16', 'train', 'scaling'} & set(parts):
        c.make_gpt2()
    started = time.time()
    for part in ALL_PARTS:
        if part in parts:
            log(f'--- {part}')
            if part == 'gpt2':
                c.gpt2_part(do_bandwidth=True)
            else:
                getattr(c, part)()
    log(f'done in {time.time() - started:.0f} s; raw results in {a.results}')
    print(f'wisp vs references, {time.strftime("%Y-%m-%d %H:%M")}, '
          f'load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores '
          f'(ratios are measured in the same run)')
    c.table.print()


if __name__ == '__main__':
    main()
