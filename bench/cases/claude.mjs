// Claude Code sessions (written by bench/harness/claude-files.mjs as Claude Code lays them out):
// - claude-rerun: 10,000 session files under HOME/.claude/projects: the first `traces upload
//   --agent claude`, then a rerun with nothing changed (median) vs a bare stat walk of the same tree;
// - claude-events: `traces events push` of one 50 MiB session to `traces serve` vs a script that
//   only JSON.parses each of its lines.
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { uuidFrom } from '../../fixtures/builder.mjs';
import { claudeProjectDir, writeClaudeHome, writeClaudeSession } from '../harness/claude-files.mjs';
import {
  BIN,
  CFG,
  childEnv,
  count,
  fmtMiB,
  fmtMs,
  fmtRatio,
  fmtS,
  GOALS,
  log,
  measure,
  median,
  MiB,
  NODE,
  quickRun,
  RUN,
  serverStats,
  tail,
  tracesEnv,
  WALK_SCRIPT,
  WORK,
  yesNo,
} from '../harness.mjs';

// The baseline of the events push: read the file line by line and JSON.parse each line.
const PARSE_SCRIPT =
  "const fs=require('node:fs');let n=0,rest='';" +
  'for(const fd=fs.openSync(process.argv[1]),b=Buffer.alloc(1<<20);;){const k=fs.readSync(fd,b);if(!k)break;' +
  "const parts=(rest+b.toString('utf8',0,k)).split('\\n');rest=parts.pop();for(const l of parts)if(l){JSON.parse(l);n++;}}" +
  'if(rest)JSON.parse(rest),n++;process.stdout.write(String(n));';

export const rerun = {
  name: 'claude-rerun',
  needs: 'sink',
  after: [],
  async run(ctx) {
    const home = join(WORK, 'claude-home');
    log(`[claude] writing ${count(CFG.sessions)} Claude Code sessions under ${home}/.claude/projects…`);
    writeClaudeHome(home, { count: CFG.sessions, projects: 100 });
    const projects = join(home, '.claude', 'projects');
    const totalBytes =
      CFG.sessions * statSync(join(claudeProjectDir(home, '/home/bench/project-0'), `${uuidFrom('bench:claude:0')}.jsonl`)).size;
    const env = { ...tracesEnv(join(WORK, 'state-claude')), HOME: home };
    const args = [BIN, 'upload', '--agent', 'claude', '--to', ctx.base];
    let before = await serverStats(ctx.base);
    const first = await measure(NODE, args, { env, label: 'claude first upload' });
    let after = await serverStats(ctx.base);
    if (after.requests - before.requests !== CFG.sessions)
      throw new Error(
        `claude first upload: the server got ${after.requests - before.requests} PUTs, expected ${CFG.sessions}\n${tail(first.stderr)}`,
      );
    log(`[claude] first upload: ${fmtS(first.ms)}, peak RSS ${fmtMiB(first.rssKiB)}`);
    const baseEnv = childEnv();
    quickRun(NODE, ['-e', WALK_SCRIPT, projects], { env: baseEnv, label: 'stat walk warm-up' });
    const reruns = [];
    const walks = [];
    for (let i = 0; i < CFG.rerunReps; i++) {
      before = await serverStats(ctx.base);
      reruns.push(quickRun(NODE, args, { env, label: `claude rerun ${i + 1}` }).ms);
      after = await serverStats(ctx.base);
      if (after.requests !== before.requests)
        throw new Error(`claude rerun ${i + 1}: sent ${after.requests - before.requests} PUTs; nothing had changed`);
      walks.push(quickRun(NODE, ['-e', WALK_SCRIPT, projects], { env: baseEnv, label: `stat walk ${i + 1}` }).ms);
      log(`[claude] rerun ${i + 1}/${CFG.rerunReps}: traces ${fmtMs(reruns[i])}, stat walk ${fmtMs(walks[i])}`);
    }
    return { totalBytes, first, rerun: median(reruns), walk: median(walks), allReruns: reruns, allWalks: walks };
  },
  rows(r) {
    const ratio = r.rerun / r.walk;
    return [
      [
        `first \`traces upload --agent claude\` of ${count(CFG.sessions)} Claude Code sessions (${(r.totalBytes / MiB).toFixed(1)} MiB), wall time`,
        `${fmtS(r.first.ms)} (${Math.round(CFG.sessions / (r.first.ms / 1000))} sessions/s; peak RSS ${fmtMiB(r.first.rssKiB)})`,
        '—',
        '—',
        '(info)',
        '—',
      ],
      [
        `rerun over ${count(CFG.sessions)} unchanged Claude Code sessions, wall time (median of ${CFG.rerunReps})`,
        fmtMs(r.rerun),
        `${fmtMs(r.walk)} (readdir + stat walk of ~/.claude/projects)`,
        fmtRatio(ratio),
        `≤ ${GOALS.rerunRatio}x`,
        yesNo(ratio <= GOALS.rerunRatio),
      ],
    ];
  },
  how: () => [
    '- claude-rerun: bench/harness/claude-files.mjs writes the sessions under HOME/.claude/projects (100 project folders, 3 turns each: split assistant rows, a tool call and its result); `traces upload --agent claude` finds them through HOME. The baseline walks the same tree with readdirSync + statSync.',
  ],
  raw: (r) => [
    `claude rerun ${r.allReruns.map((x) => x.toFixed(1)).join(', ')}; stat walk ${r.allWalks.map((x) => x.toFixed(1)).join(', ')}`,
  ],
};

export const events = {
  name: 'claude-events',
  needs: 'serve',
  after: [],
  async run(ctx) {
    const dir = join(WORK, 'claude-big');
    mkdirSync(dir, { recursive: true });
    const target = RUN.quick ? 6 * MiB : 50 * MiB;
    // One turn holds the pad 5 times (prompt, thinking, tool output twice: the result and
    // toolUseResult, answer) plus about 3.2 KiB of records: enough turns for the target size.
    const padBytes = 2000;
    const turns = Math.ceil(target / (5 * padBytes + 3200));
    const path = join(dir, 'big.jsonl');
    const written = writeClaudeSession(path, { seed: 'bench:claude:big', turns, padBytes });
    log(`[claude] events push of a ${(written.bytes / MiB).toFixed(1)} MiB Claude Code session (${count(turns)} turns)`);
    let run = 0;
    const push = async (label) => {
      const r = await measure(NODE, [BIN, 'events', 'push', path, '--to', ctx.serve.base, '--force', '--json'], {
        env: tracesEnv(join(WORK, 'state-claude-events', String(++run))),
        label,
      });
      const doc = JSON.parse(r.stdout);
      const s = doc.sessions?.[0];
      if (doc.failed !== 0 || s?.status !== 'pushed') throw new Error(`${label}: unexpected answer: ${tail(r.stdout)}\n${tail(r.stderr)}`);
      return { ...r, events: s.events };
    };
    const parse = (label) => measure(NODE, ['-e', PARSE_SCRIPT, path], { env: childEnv(), label });
    await push('claude events push warm-up');
    await parse('JSON.parse warm-up');
    const runs = { traces: [], parse: [] };
    for (let i = 0; i < CFG.eventsReps; i++) {
      const t = await push(`claude events push ${i + 1}`);
      const p = await parse(`JSON.parse ${i + 1}`);
      runs.traces.push(t);
      runs.parse.push(p);
      log(`[claude] events push ${fmtMs(t.ms)} (${t.events} events), JSON.parse of each line ${fmtMs(p.ms)}`);
    }
    return {
      bytes: written.bytes,
      events: runs.traces[0].events,
      traces: median(runs.traces.map((r) => r.ms)),
      parse: median(runs.parse.map((r) => r.ms)),
      rssKiB: Math.max(...runs.traces.map((r) => r.rssKiB ?? 0)) || undefined,
      all: runs,
    };
  },
  rows(r) {
    const ratio = r.traces / r.parse;
    return [
      [
        `\`traces events push FILE --force\` of a ${(r.bytes / MiB).toFixed(1)} MiB Claude Code session (${count(r.events)} events) to \`traces serve\`, wall time (median of ${CFG.eventsReps})`,
        `${fmtMs(r.traces)} (peak RSS ${fmtMiB(r.rssKiB)})`,
        `${fmtMs(r.parse)} (\`node -e\`: read the file, JSON.parse each line)`,
        fmtRatio(ratio),
        '≤ 3x',
        yesNo(ratio <= 3),
      ],
    ];
  },
  how: () => [
    '- claude-events: one session of split assistant rows, tool calls and results (bench/harness/claude-files.mjs, ~50 MiB; 6 MiB with --quick), pushed with a fresh state dir each run. The baseline reads the same file in 1 MiB chunks and JSON.parses every line, nothing else.',
  ],
  raw: (r) => [
    `claude events push ${r.all.traces.map((x) => x.ms.toFixed(0)).join(', ')}; parse ${r.all.parse.map((x) => x.ms.toFixed(0)).join(', ')}`,
  ],
};
