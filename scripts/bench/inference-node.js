// Reference side of `swaptalk-bench inference`: the same model through onnxruntime-node's own
// N-API binding (its own ONNX Runtime 1.30.0 library), timed inside node so start-up is excluded.
// Usage: node inference-node.js MODEL INPUT SHAPE(comma list) MODE(throughput|latency) AMOUNT THREADS
// throughput: run for AMOUNT seconds and report runs/s; latency: AMOUNT runs, report the median ms.
// Prints one JSON line: {"version", "runs", "seconds", "runsPerSecond", "medianMs"}.
'use strict';
const ort = require('onnxruntime-node');

async function main() {
  const [model, inputName, shapeText, mode, amountText, threadsText] = process.argv.slice(2);
  const shape = shapeText.split(',').map(Number);
  const amount = Number(amountText);
  const options = { graphOptimizationLevel: 'all', executionProviders: ['cpu'] };
  if (Number(threadsText) > 0) options.intraOpNumThreads = Number(threadsText);
  const session = await ort.InferenceSession.create(model, options);
  const count = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = (i * 37) % 255; // same fill as the C# side
  const feeds = { [inputName]: new ort.Tensor('float32', data, shape) };

  for (let i = 0; i < (mode === 'latency' ? 3 : 200); i++) await session.run(feeds); // warm-up
  const times = [];
  let runs = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(amount * 1e9));
  for (;;) {
    const t0 = process.hrtime.bigint();
    const out = await session.run(feeds);
    const t1 = process.hrtime.bigint();
    // Touch the first output so the result is really read, as the C# side does.
    void out[session.outputNames[0]].data[0];
    runs++;
    times.push(Number(t1 - t0) / 1e6);
    if (mode === 'latency' ? runs >= amount : t1 >= deadline) break;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({
    version: ort.env.versions.common, runs, seconds, runsPerSecond: runs / seconds, medianMs: times[Math.floor(times.length / 2)],
  }));
}

main().catch((e) => { console.error(`inference-node: ${e && e.message ? e.message : e}`); process.exit(1); });
