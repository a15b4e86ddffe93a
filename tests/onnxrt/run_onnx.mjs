// Runs an ONNX model exported by `wisp export --to onnx` in ONNX Runtime
// (onnxruntime-node, CPU) and writes or checks its logits.
//
//   node run_onnx.mjs MODEL.onnx --ids 1,403,407 [-o LOGITS.bin]
//        [--expect WISP_LOGITS.bin --tol 1e-4] [--batch N]
//        [--prefix-length K] [--pad N]
//
// --ids: the token ids of one sequence (a comma list, or @FILE of int64).
// -o: float32 logits [n, vocab] of the first row.
// --expect: float32 [n, vocab] reference (from `wisp logits`); prints the
//   max abs difference and exits 1 above --tol.
// --batch N: runs N copies of the sequence and requires identical rows.
// --prefix-length K: the prefix_length input of prefix-LM models (0 if
//   not given: causal).
// --pad N: bidirectional models: appends N padding ids with attention_mask
//   0 and requires the real rows to be unchanged (within --tol).
import { readFileSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';

function parseArgs(argv) {
  const args = { positional: [] };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a.startsWith('-')) {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      args[a.replace(/^-+/, '')] = argv[++i];
    } else {
      args.positional.push(a);
    }
  }
  return args;
}

function readIds(spec) {
  if (spec.startsWith('@')) {
    const buf = readFileSync(spec.slice(1));
    return Array.from(new BigInt64Array(buf.buffer, buf.byteOffset,
                                        buf.length / 8));
  }
  return spec.split(',').map((s) => BigInt(s.trim()));
}

async function logitsOf(session, ids, batch, extra) {
  const n = ids.length;
  const data = new BigInt64Array(batch * n);
  for (let b = 0; b < batch; ++b) data.set(ids, b * n);
  const feeds = { input_ids: new ort.Tensor('int64', data, [batch, n]) };
  const names = session.inputNames;
  if (names.includes('attention_mask')) {
    const mask = new BigInt64Array(batch * n);
    for (let b = 0; b < batch; ++b) {
      for (let i = 0; i < n; ++i) mask[b * n + i] = i < extra.real ? 1n : 0n;
    }
    feeds.attention_mask = new ort.Tensor('int64', mask, [batch, n]);
  }
  if (names.includes('prefix_length')) {
    feeds.prefix_length = new ort.Tensor(
        'int64', new BigInt64Array(batch).fill(BigInt(extra.prefix ?? 0)),
        [batch]);
  }
  const out = await session.run(feeds);
  return out.logits;
}

function maxAbsDiff(a, b, count) {
  let worst = 0;
  for (let i = 0; i < count; ++i) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= worst)) worst = d;  // NaN counts as the worst
  }
  return worst;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.positional.length !== 1 || !args.ids) {
    throw new Error('usage: run_onnx.mjs MODEL.onnx --ids IDS [-o OUT.bin] ' +
                    '[--expect REF.bin] [--tol T] [--batch N] ' +
                    '[--prefix-length K] [--pad N]');
  }
  const tol = Number(args.tol ?? '1e-4');
  const session = await ort.InferenceSession.create(args.positional[0]);
  const ids = readIds(args.ids);
  const n = ids.length;
  const prefix = args['prefix-length'];
  const logits = await logitsOf(session, ids, 1, { real: n, prefix });
  const vocab = logits.dims[2];
  if (logits.dims[0] !== 1 || logits.dims[1] !== n) {
    throw new Error(`logits have shape [${logits.dims}]`);
  }
  const first = logits.data;
  if (args.o) writeFileSync(args.o, Buffer.from(first.buffer, first.byteOffset,
                                                first.byteLength));
  let failed = false;
  const report = (what, diff) => {
    const ok = diff <= tol;
    console.log(`${what}: max abs diff ${diff.toExponential(2)} ` +
                `(tolerance ${tol}) ${ok ? 'ok' : 'FAIL'}`);
    failed ||= !ok;
  };
  if (args.expect) {
    const buf = readFileSync(args.expect);
    const ref = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
    if (ref.length !== n * vocab) {
      throw new Error(`${args.expect} has ${ref.length} floats, ` +
                      `ONNX Runtime gave ${n} x ${vocab}`);
    }
    report(`${args.positional[0]} vs ${args.expect}`,
           maxAbsDiff(first, ref, n * vocab));
  }
  const batch = Number(args.batch ?? '1');
  if (batch > 1) {
    const many = (await logitsOf(session, ids, batch, { real: n, prefix })).data;
    let worst = 0;
    for (let b = 1; b < batch; ++b) {
      worst = Math.max(worst,
                       maxAbsDiff(first, many.subarray(b * n * vocab), n * vocab));
    }
    report(`batch of ${batch}, rows vs the single row`, worst);
  }
  const pad = Number(args.pad ?? '0');
  if (pad > 0) {
    if (!session.inputNames.includes('attention_mask')) {
      throw new Error('--pad needs a model with an attention_mask input');
    }
    const padded = ids.concat(Array(pad).fill(ids[ids.length - 1]));
    const out = (await logitsOf(session, padded, 1, { real: n, prefix })).data;
    report(`${pad} padding tokens masked out`, maxAbsDiff(first, out, n * vocab));
  }
  if (failed) process.exit(1);
}

main().catch((e) => {
  console.error(`run_onnx.mjs: error: ${e.message}`);
  process.exit(2);
});
