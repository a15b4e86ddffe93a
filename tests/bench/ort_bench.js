// ONNX Runtime (onnxruntime-node, CPU) reference for `wisp bench`: prefill
// and KV-cache decode of the models scripts/bench/make_gpt2_124m.py writes.
// Prints one JSON object on stdout, progress on stderr.
//
//   node tests/bench/ort_bench.js --dir build-bench-models [--prefix gpt2-124m]
//        [--prompt-tokens 128,512] [--gen-tokens 128] [--threads N]
//        [--repeats R] [--check]
//
// prefill: PREFIX.onnx (all positions' logits, as exported) and
//   PREFIX-last.onnx (only the last position's logits, the work wisp does);
//   median of R runs after one warm-up run.
// decode: PREFIX-kv.onnx: the first prompt length through the graph with an
//   empty past, then --gen-tokens greedy steps of one token each feeding the
//   presents back; median of R runs.
// --check: the KV-cache graph's decode logits against the plain graph's on
//   the same tokens (max abs diff; exits 1 above 1e-4).
// onnxruntime-node comes from tests/onnxrt/node_modules (npm ci there).
'use strict';
const path = require('node:path');
const ort = require(
    path.join(__dirname, '..', 'onnxrt', 'node_modules', 'onnxruntime-node'));

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const key = a.slice(2);
    if (key === 'check') {
      args.check = true;
    } else {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      args[key] = argv[++i];
    }
  }
  return args;
}

const log = (msg) => process.stderr.write(`ort_bench: ${msg}\n`);
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  return n % 2 ? v[(n - 1) / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The prompt every runner uses (src/cli/bench.cc SyntheticIds).
function syntheticIds(n, vocab) {
  const ids = new BigInt64Array(n);
  for (let i = 0; i < n; ++i) ids[i] = BigInt((i * 7919 + 1) % vocab);
  return ids;
}

function argmaxLastRow(logits) {
  const vocab = logits.dims[2];
  const row = logits.data.subarray(logits.data.length - vocab);
  let best = 0;
  for (let i = 1; i < vocab; ++i) if (row[i] > row[best]) best = i;
  return best;
}

async function createSession(file, threads) {
  const start = nowMs();
  const session = await ort.InferenceSession.create(file, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  return { session, createMs: nowMs() - start };
}

const idsTensor = (ids) => new ort.Tensor('int64', ids, [1, ids.length]);

async function prefill(session, n, vocab, repeats) {
  const feeds = { input_ids: idsTensor(syntheticIds(n, vocab)) };
  await session.run(feeds);  // warm-up: ORT allocates on the first run
  const times = [];
  for (let r = 0; r < repeats; ++r) {
    const start = nowMs();
    await session.run(feeds);
    times.push(nowMs() - start);
  }
  return n / (median(times) / 1e3);
}

// Empty past tensors [1, heads, 0, head_dim] for every layer.
function emptyPast(session, shape) {
  const feeds = {};
  for (const name of session.inputNames) {
    if (name.startsWith('past_')) {
      feeds[name] = new ort.Tensor('float32', new Float32Array(0),
                                   [1, shape.heads, 0, shape.headDim]);
    }
  }
  return feeds;
}

// Runs `ids` through the KV graph from an empty past, then decodes `gen`
// tokens greedily. Returns the decode milliseconds and every step's logits
// row when `keepLogits`.
async function decode(kv, shape, ids, gen, keepLogits) {
  let feeds = emptyPast(kv, shape);
  feeds.input_ids = idsTensor(ids);
  let out = await kv.run(feeds);
  const rows = [];
  const start = nowMs();
  for (let i = 0; i < gen; ++i) {
    const token = argmaxLastRow(out.logits);
    feeds = { input_ids: idsTensor(BigInt64Array.of(BigInt(token))) };
    for (const name of kv.inputNames) {
      if (name.startsWith('past_')) {
        feeds[name] = out[name.replace('past_', 'present_')];
      }
    }
    out = await kv.run(feeds);
    if (keepLogits) rows.push({ token, logits: out.logits.data.slice() });
  }
  return { ms: nowMs() - start, rows };
}

// The KV graph's decode logits against one plain-graph pass over the same
// tokens.
async function checkKvAgainstPlain(plain, kv, shape, vocab) {
  const prompt = syntheticIds(5, vocab);
  const { rows } = await decode(kv, shape, prompt, 3, true);
  const all = BigInt64Array.from([...prompt, ...rows.map((r) => BigInt(r.token))]);
  const full = (await plain.run({ input_ids: idsTensor(all) })).logits.data;
  let worst = 0;
  rows.forEach((r, i) => {
    const base = (prompt.length + i) * vocab;
    for (let j = 0; j < vocab; ++j) {
      const d = Math.abs(r.logits[j] - full[base + j]);
      if (!(d <= worst)) worst = d;
    }
  });
  return worst;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!args.dir) throw new Error('--dir is required (see the header comment)');
  const prefix = path.join(args.dir, args.prefix ?? 'gpt2-124m');
  const threads = Number(args.threads ?? '1');
  const repeats = Number(args.repeats ?? '3');
  const gen = Number(args['gen-tokens'] ?? '128');
  const prompts = (args['prompt-tokens'] ?? '128').split(',').map(Number);

  log(`ONNX Runtime, ${threads} thread(s): loading ${prefix}.onnx`);
  const plain = await createSession(`${prefix}.onnx`, threads);
  const last = await createSession(`${prefix}-last.onnx`, threads);
  const kv = await createSession(`${prefix}-kv.onnx`, threads);
  const vocab = 50257;
  const result = {
    system: 'onnxruntime-node',
    version: require(path.join(__dirname, '..', 'onnxrt', 'node_modules',
                               'onnxruntime-node', 'package.json')).version,
    threads,
    session_create_ms: plain.createMs,
    prefill: [],
  };
  // Head count and size from the graph's metadata are not exposed by
  // onnxruntime-node: they come from the model script's stamp instead.
  const stamp = require(path.resolve(`${prefix}.stamp.json`));
  const shape = { heads: stamp.n_head, headDim: stamp.n_embd / stamp.n_head };
  for (const n of prompts) {
    log(`prefill ${n} tokens`);
    result.prefill.push({
      tokens: n,
      all_logits_tokens_per_s: await prefill(plain.session, n, vocab, repeats),
      tokens_per_s: await prefill(last.session, n, vocab, repeats),
    });
  }
  log(`decode ${gen} tokens after ${prompts[0]}, ${repeats} times`);
  const times = [];
  for (let r = 0; r < repeats; ++r) {
    times.push((await decode(kv.session, shape, syntheticIds(prompts[0], vocab),
                             gen, false)).ms);
  }
  result.decode_prompt_tokens = prompts[0];
  result.decode_tokens = gen;
  result.decode_tokens_per_s = gen / (median(times) / 1e3);
  if (args.check) {
    result.kv_vs_plain_max_abs_diff =
        await checkKvAgainstPlain(plain.session, kv.session, shape, vocab);
    log(`KV-cache decode vs plain graph: max abs diff ` +
        `${result.kv_vs_plain_max_abs_diff.toExponential(2)}`);
  }
  console.log(JSON.stringify(result));
  if (args.check && !(result.kv_vs_plain_max_abs_diff <= 1e-4)) process.exit(1);
}

main().catch((e) => {
  console.error(`ort_bench: error: ${e.message}`);
  process.exit(2);
});
