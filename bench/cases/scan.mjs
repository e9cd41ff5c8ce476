// scan: `traces scan --json` over one 256 MiB session with secrets planted every 500 lines (64 MiB
// with --quick), in MiB/s, vs a script that only reads the same file and splits it into lines.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { writeSecretSession } from '../harness/secret-session.mjs';
import { BIN, childEnv, fmtRatio, log, median, MiB, NODE, quickRun, ROOT, RUN, tail, tracesEnv, WORK, yesNo } from '../harness.mjs';

// The baseline: stream the file in 4 MiB chunks and split it into lines, as the scan does.
const SPLIT_SCRIPT =
  "const fs=require('node:fs');const {StringDecoder}=require('node:string_decoder');const d=new StringDecoder('utf8');" +
  "let n=0,rest='';const fd=fs.openSync(process.argv[1]),b=Buffer.alloc(1<<22);" +
  'for(;;){const k=fs.readSync(fd,b);if(!k)break;const t=rest+d.write(b.subarray(0,k));let s=0;' +
  "for(let e=t.indexOf('\\n');e>=0;e=t.indexOf('\\n',s)){if(e>s)n++;s=e+1;}rest=t.slice(s);}" +
  'process.stdout.write(String(n));';

const GOAL_MIBS = 100;
const REPS = 3;

export const name = 'scan';
export const needs = 'none';
export const after = [];

export async function run() {
  const target = (RUN.quick ? 64 : 256) * MiB;
  const file = join(WORK, 'scan', 'session.jsonl');
  log(`[scan] writing a ${target / MiB} MiB session with planted secrets…`);
  const written = writeSecretSession(file, target);
  const mib = statSync(file).size / MiB;
  const env = tracesEnv(join(WORK, 'state-scan'));
  const scan = (label) => {
    // Not quickRun: a scan that finds secrets exits 1, which is the answer expected here.
    const started = performance.now();
    const r = spawnSync(NODE, [BIN, 'scan', file, '--json'], { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 * MiB, timeout: 600_000 });
    const ms = performance.now() - started;
    if (r.status !== 1) throw new Error(`${label}: exit ${r.status ?? r.signal}, expected 1\n${tail(r.stderr ?? '')}`);
    const doc = JSON.parse(r.stdout);
    if (doc.findings.length !== written.planted) throw new Error(`${label}: ${doc.findings.length} findings, ${written.planted} planted`);
    return ms;
  };
  const split = (label) => quickRun(NODE, ['-e', SPLIT_SCRIPT, file], { env: childEnv(), label }).ms;
  scan('scan warm-up');
  split('split warm-up');
  const scans = [];
  const splits = [];
  for (let i = 0; i < REPS; i++) {
    scans.push(scan(`scan ${i + 1}`));
    splits.push(split(`split ${i + 1}`));
    log(
      `[scan] run ${i + 1}/${REPS}: traces scan ${(mib / (scans[i] / 1000)).toFixed(0)} MiB/s, read+split ${(mib / (splits[i] / 1000)).toFixed(0)} MiB/s`,
    );
  }
  return { mib, planted: written.planted, scan: median(scans), split: median(splits), allScans: scans, allSplits: splits };
}

export function rows(r) {
  const rate = r.mib / (r.scan / 1000);
  const base = r.mib / (r.split / 1000);
  return [
    [
      `\`traces scan\` of one ${r.mib.toFixed(0)} MiB session (${r.planted} planted secrets), throughput (median of ${REPS})`,
      `${rate.toFixed(0)} MiB/s`,
      `${base.toFixed(0)} MiB/s (read the file and split it into lines)`,
      fmtRatio(r.scan / r.split),
      `≥ ${GOAL_MIBS} MiB/s`,
      yesNo(rate >= GOAL_MIBS),
    ],
  ];
}

export const how = () => [
  '- scan: bench/harness/secret-session.mjs writes a prime-agent session of prose, code, shell output, hashes, ids and base64 image data, with a planted secret (GitHub, OpenAI, Bearer, Postgres URL, AWS key id) every 500 lines; the run fails unless every one is found. Wall time of the whole process, startup included.',
];

export const raw = (r) => [
  `scan ${r.allScans.map((x) => x.toFixed(0)).join(', ')} ms; read+split ${r.allSplits.map((x) => x.toFixed(0)).join(', ')} ms`,
];
