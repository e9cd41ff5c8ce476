import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import initSqlJs, { type Database } from 'sql.js';
import { walChecksum } from '../../../src/core/agents/opencode/wal.js';

/**
 * opencode's stores, written the way opencode lays them out under its data folder, with the
 * expected facts worked out by hand from opencode's rules (what it billed): one assistant message
 * holds every model call of a turn as step-start … step-finish runs, each step-finish holds that
 * call's tokens and cost, and the message's own `tokens` are the LAST step's only (opencode
 * overwrites them each step): a reader that adds them to the steps, or uses them alone, gets
 * other totals than these.
 */

type Obj = Record<string, unknown>;
interface Msg {
  id: string;
  time: number;
  data: Obj;
  parts: { id: string; data: Obj }[];
}
interface Sess {
  id: string;
  parentID?: string;
  title: string;
  created: number;
  messages: Msg[];
}

export interface Totals {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  totalTokens: number;
  cost: number;
}

export interface SessionFacts {
  id: string;
  parentId?: string;
  kind: 'root' | 'sub-agent';
  title: string;
  timestamp: string;
  /** Entries per type: message roles by role, other entries by type. */
  counts: Record<string, number>;
  totals: Totals;
}

export const CWD = '/home/u/my-app';
const T0 = 1755698711204;
const PROJECT = '4b1e9c0d2f7a86e5b3c1d0e9f8a7b6c5d4e3f2a1';
export const ROOT = 'ses_3a9f0c1e5ffeQ2wLx7Rk1bNcVd';
export const CHILD = 'ses_3a9e8d2b1ffeM4pZq9Tt6yHsJa';
export const LATE = 'ses_3a9d7c3a4ffeW8nBv2Gc5eUiKo';
export const MIGRATED = 'ses_3a9c6b4d5ffeR1sDf6Hj8kLmNp';

const tokens = (input: number, output: number, reasoning: number, read: number, write: number, total?: number) => ({
  ...(total === undefined ? {} : { total }),
  input,
  output,
  reasoning,
  cache: { read, write },
});
const stepStart = (id: string): { id: string; data: Obj } => ({ id, data: { type: 'step-start', snapshot: 'e3b0c44298fc' } });
const stepFinish = (id: string, reason: string, cost: number, t: Obj) => ({
  id,
  data: { type: 'step-finish', reason, snapshot: 'e3b0c44298fc', cost, tokens: t },
});
const textPart = (id: string, text: string, at: number) => ({ id, data: { type: 'text', text, time: { start: at, end: at + 50 } } });
const tool = (id: string, callID: string, name: string, input: Obj, state: Obj) => ({
  id,
  data: { type: 'tool', callID, tool: name, state: { input, title: name, metadata: {}, ...state } },
});
const user = (id: string, time: number, parts: { id: string; data: Obj }[]): Msg => ({
  id,
  time,
  data: { role: 'user', time: { created: time }, agent: 'build', model: { providerID: 'anthropic', modelID: 'claude-sonnet-4-5' } },
  parts,
});
const assistant = (id: string, time: number, parentID: string, last: Obj, cost: number, parts: Msg['parts'], extra: Obj = {}): Msg => ({
  id,
  time,
  data: {
    role: 'assistant',
    time: { created: time, completed: time + 9000 },
    parentID,
    modelID: 'claude-sonnet-4-5',
    providerID: 'anthropic',
    mode: 'build',
    agent: 'build',
    path: { cwd: CWD, root: CWD },
    cost,
    tokens: last,
    finish: 'stop',
    ...extra,
  },
  parts,
});

// The root session: a three-step tool-using turn (one step's reasoning on top of its output, one
// step from before opencode took reasoning out of output, its `total` showing that), a task tool
// that ran the child session, then a compaction (a user message with a compaction part, and the
// summary: a real call of its own).
const step3 = tokens(1200, 180, 50, 7000, 20, 8400);
const rootSession: Sess = {
  id: ROOT,
  title: 'Fix strict build',
  created: T0,
  messages: [
    user('msg_c5f0a1000001Aa', T0 + 10_000, [textPart('prt_c5f0a1000002Ab', 'Why does the build fail?', T0 + 10_000)]),
    assistant('msg_c5f0a1100001Ba', T0 + 10_100, 'msg_c5f0a1000001Aa', step3, 0.0364, [
      stepStart('prt_c5f0a1100002Bb'),
      { id: 'prt_c5f0a1100003Bc', data: { type: 'reasoning', text: 'Check tsconfig first.', time: { start: T0 + 10_200 } } },
      tool(
        'prt_c5f0a1100004Bd',
        'toolu_01',
        'read',
        { filePath: `${CWD}/tsconfig.json` },
        {
          status: 'completed',
          output: '{"compilerOptions":{"strict":true}}',
          time: { start: T0 + 10_300, end: T0 + 10_350 },
        },
      ),
      stepFinish('prt_c5f0a1100005Be', 'tool-calls', 0.0171, tokens(900, 130, 0, 7000, 880, 8910)),
      stepStart('prt_c5f0a1100006Bf'),
      tool(
        'prt_c5f0a1100007Bg',
        'toolu_02',
        'task',
        { description: 'Find callers', prompt: 'Find the callers of parseConfig', subagent_type: 'explore' },
        {
          status: 'completed',
          output: 'Found 2 callers of parseConfig',
          metadata: { sessionId: CHILD },
          time: { start: T0 + 11_000, end: T0 + 15_000 },
        },
      ),
      stepFinish('prt_c5f0a1100008Bh', 'tool-calls', 0.0052, tokens(1100, 60, 40, 7880, 0, 9080)),
      stepStart('prt_c5f0a1100009Bi'),
      textPart('prt_c5f0a110000aBj', '`strict` is on and src/a.ts has an implicit any.', T0 + 16_000),
      stepFinish('prt_c5f0a110000bBk', 'stop', 0.0141, step3),
    ]),
    user('msg_c5f0a2000001Ca', T0 + 20_000, [{ id: 'prt_c5f0a2000002Cb', data: { type: 'compaction', auto: true } }]),
    assistant(
      'msg_c5f0a2100001Da',
      T0 + 20_100,
      'msg_c5f0a2000001Ca',
      tokens(300, 90, 0, 0, 0, 390),
      0.002,
      [
        stepStart('prt_c5f0a2100002Db'),
        textPart('prt_c5f0a2100003Dc', 'Summary: the build fails on an implicit any under strict mode.', T0 + 20_200),
        stepFinish('prt_c5f0a2100004Dd', 'stop', 0.002, tokens(300, 90, 0, 0, 0, 390)),
      ],
      { summary: true, mode: 'compaction', agent: 'compaction' },
    ),
  ],
};

// The task tool's child session: two calls, one tool failing.
const childLast = tokens(200, 30, 0, 800, 0, 1030);
const childSession: Sess = {
  id: CHILD,
  parentID: ROOT,
  title: 'Find callers (@explore subagent)',
  created: T0 + 11_000,
  messages: [
    user('msg_c5f0b1000001Ea', T0 + 11_100, [textPart('prt_c5f0b1000002Eb', 'Find the callers of parseConfig', T0 + 11_100)]),
    assistant('msg_c5f0b1100001Fa', T0 + 11_200, 'msg_c5f0b1000001Ea', childLast, 0.004, [
      stepStart('prt_c5f0b1100002Fb'),
      tool(
        'prt_c5f0b1100003Fc',
        'call_g1',
        'grep',
        { pattern: 'parseConfig' },
        {
          status: 'completed',
          output: 'src/a.ts:3\nsrc/b.ts:9',
          time: { start: T0 + 11_300, end: T0 + 11_320 },
        },
      ),
      tool(
        'prt_c5f0b1100004Fd',
        'call_r1',
        'read',
        { filePath: `${CWD}/src/c.ts` },
        {
          status: 'error',
          error: 'File not found: src/c.ts',
          time: { start: T0 + 11_330, end: T0 + 11_340 },
        },
      ),
      stepFinish('prt_c5f0b1100005Fe', 'tool-calls', 0.003, tokens(500, 40, 0, 0, 300, 840)),
      stepStart('prt_c5f0b1100006Ff'),
      textPart('prt_c5f0b1100007Fg', 'Two callers: src/a.ts and src/b.ts.', T0 + 12_000),
      stepFinish('prt_c5f0b1100008Fh', 'stop', 0.001, childLast),
    ]),
  ],
};

// Written only to the WAL in the database layout: a session since the last checkpoint.
const lateSession: Sess = {
  id: LATE,
  title: 'And the tests?',
  created: T0 + 60_000,
  messages: [
    user('msg_c5f0c1000001Ga', T0 + 60_100, [textPart('prt_c5f0c1000002Gb', 'Do the tests pass?', T0 + 60_100)]),
    assistant('msg_c5f0c1100001Ha', T0 + 60_200, 'msg_c5f0c1000001Ga', tokens(400, 20, 0, 0, 0, 420), 0.001, [
      stepStart('prt_c5f0c1100002Hb'),
      textPart('prt_c5f0c1100003Hc', 'They pass.', T0 + 60_300),
      stepFinish('prt_c5f0c1100004Hd', 'stop', 0.001, tokens(400, 20, 0, 0, 0, 420)),
    ]),
  ],
};

const iso = (ms: number) => new Date(ms).toISOString();

/** The facts of each session, by hand from the steps above (never from the adapter). */
export const FACTS: Record<string, SessionFacts> = {
  [ROOT]: {
    id: ROOT,
    kind: 'root',
    title: 'Fix strict build',
    timestamp: iso(T0),
    // 3 steps of the turn + the compaction's call; read and task results; the compaction part's user message has no text.
    counts: { user: 1, assistant: 4, toolResult: 2, compaction: 1, session_info: 1 },
    // steps: 900/130/7000/880 (8910), 1100/60+40/7880/0 (9080), 1200/180 (reasoning 50 inside: total 8400)/7000/20, compaction 300/90
    totals: { input: 3500, output: 500, cacheRead: 21880, cacheWrite: 900, totalTokens: 26780, cost: 0.0384 },
  },
  [CHILD]: {
    id: CHILD,
    parentId: ROOT,
    kind: 'sub-agent',
    title: 'Find callers (@explore subagent)',
    timestamp: iso(T0 + 11_000),
    counts: { user: 1, assistant: 2, toolResult: 2, session_info: 1 },
    totals: { input: 700, output: 70, cacheRead: 800, cacheWrite: 300, totalTokens: 1870, cost: 0.004 },
  },
  [LATE]: {
    id: LATE,
    kind: 'root',
    title: 'And the tests?',
    timestamp: iso(T0 + 60_000),
    counts: { user: 1, assistant: 1, session_info: 1 },
    totals: { input: 400, output: 20, cacheRead: 0, cacheWrite: 0, totalTokens: 420, cost: 0.001 },
  },
};

// opencode 1.18's tables (drizzle schema: session.sql.ts; DDL as a 1.18.32 database has it).
const SCHEMA_V1 = [
  'CREATE TABLE `project` (`id` text PRIMARY KEY, `worktree` text NOT NULL, `vcs` text, `name` text, `time_created` integer NOT NULL, `time_updated` integer NOT NULL, `sandboxes` text NOT NULL)',
  'CREATE TABLE `session` (`id` text PRIMARY KEY, `project_id` text NOT NULL, `workspace_id` text, `parent_id` text, `slug` text NOT NULL, `directory` text NOT NULL, `path` text, `title` text NOT NULL, `version` text NOT NULL, `share_url` text, `summary_additions` integer, `summary_deletions` integer, `summary_files` integer, `summary_diffs` text, `metadata` text, `cost` real DEFAULT 0 NOT NULL, `tokens_input` integer DEFAULT 0 NOT NULL, `tokens_output` integer DEFAULT 0 NOT NULL, `tokens_reasoning` integer DEFAULT 0 NOT NULL, `tokens_cache_read` integer DEFAULT 0 NOT NULL, `tokens_cache_write` integer DEFAULT 0 NOT NULL, `revert` text, `permission` text, `agent` text, `model` text, `time_created` integer NOT NULL, `time_updated` integer NOT NULL, `time_compacting` integer, `time_archived` integer, FOREIGN KEY (`project_id`) REFERENCES `project`(`id`) ON DELETE CASCADE)',
  'CREATE TABLE `message` (`id` text PRIMARY KEY, `session_id` text NOT NULL, `time_created` integer NOT NULL, `time_updated` integer NOT NULL, `data` text NOT NULL, FOREIGN KEY (`session_id`) REFERENCES `session`(`id`) ON DELETE CASCADE)',
  'CREATE TABLE `part` (`id` text PRIMARY KEY, `message_id` text NOT NULL, `session_id` text NOT NULL, `time_created` integer NOT NULL, `time_updated` integer NOT NULL, `data` text NOT NULL, FOREIGN KEY (`message_id`) REFERENCES `message`(`id`) ON DELETE CASCADE)',
  'CREATE INDEX `message_session_time_created_id_idx` ON `message` (`session_id`,`time_created`,`id`)',
  'CREATE INDEX `part_message_id_id_idx` ON `part` (`message_id`,`id`)',
];

// opencode 2.0's own tables (packages/core/src/database/schema.gen.ts), beside the 1.x ones it keeps.
const SCHEMA_V2 = [
  'CREATE TABLE `session_v2` (`id` text PRIMARY KEY, `project_id` text NOT NULL, `workspace_id` text, `parent_id` text, `fork_session_id` text, `fork_boundary` text, `slug` text NOT NULL, `directory` text NOT NULL, `path` text, `title` text, `version` text NOT NULL, `share_url` text, `summary_additions` integer, `summary_deletions` integer, `summary_files` integer, `summary_diffs` text, `metadata` text, `cost` real DEFAULT 0 NOT NULL, `tokens_input` integer DEFAULT 0 NOT NULL, `tokens_output` integer DEFAULT 0 NOT NULL, `tokens_reasoning` integer DEFAULT 0 NOT NULL, `tokens_cache_read` integer DEFAULT 0 NOT NULL, `tokens_cache_write` integer DEFAULT 0 NOT NULL, `revert` text, `permission` text, `agent` text, `model` text, `time_created` integer NOT NULL, `time_updated` integer NOT NULL, `time_idle` integer, `time_compacting` integer, `time_archived` integer, `time_suspended` integer)',
  'CREATE TABLE `session_message` (`id` text PRIMARY KEY, `session_id` text NOT NULL, `type` text NOT NULL, `seq` integer NOT NULL, `time_created` integer NOT NULL, `time_updated` integer NOT NULL, `data` text NOT NULL)',
  'CREATE UNIQUE INDEX `session_message_session_seq_idx` ON `session_message` (`session_id`,`seq`)',
];

let sqlJs: ReturnType<typeof initSqlJs> | undefined;
const SQL = () => (sqlJs ??= initSqlJs());

function insertSession(db: Database, s: Sess, version = '1.18.30'): void {
  // The session-level aggregates (1.16+) are deliberately off: a reader must never take them.
  db.run(
    'INSERT INTO session (id, project_id, parent_id, slug, directory, title, version, cost, tokens_input, tokens_output, model, time_created, time_updated) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)',
    [
      s.id,
      PROJECT,
      s.parentID ?? null,
      'quiet-river',
      CWD,
      s.title,
      version,
      9.99,
      123456,
      7890,
      JSON.stringify({ id: 'claude-sonnet-4-5', providerID: 'anthropic' }),
      s.created,
      s.created + 90_000,
    ],
  );
  for (const m of s.messages) {
    db.run('INSERT INTO message (id, session_id, time_created, time_updated, data) VALUES (?,?,?,?,?)', [
      m.id,
      s.id,
      m.time,
      m.time + 9000,
      JSON.stringify(m.data),
    ]);
    for (const p of m.parts) {
      db.run('INSERT INTO part (id, message_id, session_id, time_created, time_updated, data) VALUES (?,?,?,?,?,?)', [
        p.id,
        m.id,
        s.id,
        m.time,
        m.time,
        JSON.stringify(p.data),
      ]);
    }
  }
}

/**
 * `<dataDir>/opencode.db` as opencode 1.18 leaves it in WAL mode: the root and child sessions
 * checkpointed into the database file, and the late session only in `opencode.db-wal` (committed
 * frames, then the frames of a transaction still being written, which must not be read).
 */
export async function writeOpencodeDatabase(dataDir: string): Promise<{ db: string; wal: string }> {
  mkdirSync(dataDir, { recursive: true });
  const db = new (await SQL()).Database();
  for (const ddl of SCHEMA_V1) db.run(ddl);
  db.run('INSERT INTO project VALUES (?,?,?,?,?,?,?)', [PROJECT, CWD, 'git', null, T0, T0, '[]']);
  insertSession(db, rootSession);
  insertSession(db, childSession);
  const path = join(dataDir, 'opencode.db');
  const base = Buffer.from(db.export());
  db.close();
  await appendWal(path, base, (next) => insertSession(next, lateSession));
  return { db: path, wal: `${path}-wal` };
}

/**
 * Writes `base` as a WAL-mode database file (header bytes 18-19 = 2) and, as its `-wal`, the
 * pages `change` alters as one committed transaction, followed by an uncommitted frame (a zeroed
 * page 1: a reader applying it would find no database at all). Checksums as SQLite's wal.c
 * computes them (little-endian, magic 0x377f0682).
 */
export async function appendWal(path: string, base: Buffer, change: (db: Database) => void): Promise<void> {
  // sql.js may write into the array it opens: give it a copy, `base` is written below as it is.
  const db = new (await SQL()).Database(new Uint8Array(base));
  change(db);
  const next = Buffer.from(db.export());
  db.close();
  const pageSize = base.readUInt16BE(16);
  for (const image of [base, next]) image.writeUInt16BE(0x0202, 18);
  const pages = next.length / pageSize;
  const changed: number[] = [];
  for (let no = 1; no <= pages; no++) {
    const at = (no - 1) * pageSize;
    if (at >= base.length || !next.subarray(at, at + pageSize).equals(base.subarray(at, at + pageSize))) changed.push(no);
  }
  const header = Buffer.alloc(32);
  header.writeUInt32BE(0x377f0682, 0);
  header.writeUInt32BE(3007000, 4);
  header.writeUInt32BE(pageSize, 8);
  header.writeUInt32BE(0, 12);
  header.writeUInt32BE(0x1234abcd, 16);
  header.writeUInt32BE(0x0badf00d, 20);
  let [s0, s1] = walChecksum(header.subarray(0, 24), false, 0, 0);
  header.writeUInt32BE(s0, 24);
  header.writeUInt32BE(s1, 28);
  const frames: Buffer[] = [header];
  const frame = (no: number, commit: number, page: Buffer) => {
    const fh = Buffer.alloc(24);
    fh.writeUInt32BE(no, 0);
    fh.writeUInt32BE(commit, 4);
    header.copy(fh, 8, 16, 24);
    [s0, s1] = walChecksum(fh.subarray(0, 8), false, s0, s1);
    [s0, s1] = walChecksum(page, false, s0, s1);
    fh.writeUInt32BE(s0, 16);
    fh.writeUInt32BE(s1, 20);
    frames.push(fh, page);
  };
  changed.forEach((no, i) => frame(no, i === changed.length - 1 ? pages : 0, next.subarray((no - 1) * pageSize, no * pageSize)));
  frame(1, 0, Buffer.alloc(pageSize));
  writeFileSync(path, base);
  writeFileSync(`${path}-wal`, Buffer.concat(frames));
}

/** `<dataDir>/storage/` as opencode before 1.2 wrote it: the root and child sessions as JSON files. */
export function writeOpencodeStorage(dataDir: string): string {
  const storage = join(dataDir, 'storage');
  const put = (rel: string, value: Obj) => {
    const file = join(storage, rel);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, JSON.stringify(value, null, 2));
  };
  put(`project/${PROJECT}.json`, { id: PROJECT, worktree: CWD, vcs: 'git', time: { created: T0 } });
  for (const s of [rootSession, childSession]) {
    put(`session/${PROJECT}/${s.id}.json`, {
      id: s.id,
      version: '1.1.60',
      projectID: PROJECT,
      directory: CWD,
      ...(s.parentID ? { parentID: s.parentID } : {}),
      title: s.title,
      time: { created: s.created, updated: s.created + 90_000 },
    });
    for (const m of s.messages) {
      put(`message/${s.id}/${m.id}.json`, { id: m.id, sessionID: s.id, ...m.data });
      for (const p of m.parts) put(`part/${m.id}/${p.id}.json`, { id: p.id, sessionID: s.id, messageID: m.id, ...p.data });
    }
  }
  return storage;
}

/**
 * An opencode 2.x database: the 1.x tables it keeps, and its own. The migrated session is in
 * both (2.x copied it under the same ids, renamed it, then went on in its own tables); 2.x rows
 * are one model call each, with `output` leaving reasoning out and no `total`.
 */
export async function writeOpencodeV2Database(dataDir: string): Promise<{ db: string; facts: SessionFacts }> {
  mkdirSync(dataDir, { recursive: true });
  const db = new (await SQL()).Database();
  for (const ddl of [...SCHEMA_V1, ...SCHEMA_V2]) db.run(ddl);
  db.run('INSERT INTO project VALUES (?,?,?,?,?,?,?)', [PROJECT, CWD, 'git', null, T0, T0, '[]']);
  const t = T0 + 100_000;
  const old: Sess = {
    id: MIGRATED,
    title: 'Old title',
    created: t,
    messages: [
      user('msg_d000000001Ia', t + 100, [textPart('prt_d000000002Ib', 'hello', t + 100)]),
      assistant('msg_d000000101Ja', t + 200, 'msg_d000000001Ia', tokens(100, 10, 0, 0, 0, 110), 0.001, [
        stepStart('prt_d000000102Jb'),
        textPart('prt_d000000103Jc', 'hi', t + 250),
        stepFinish('prt_d000000104Jd', 'stop', 0.001, tokens(100, 10, 0, 0, 0, 110)),
      ]),
    ],
  };
  insertSession(db, old, '1.18.32');
  db.run(
    'INSERT INTO session_v2 (id, project_id, slug, directory, title, version, cost, time_created, time_updated) VALUES (?,?,?,?,?,?,?,?,?)',
    [MIGRATED, PROJECT, 'quiet-river', CWD, 'Migrated title', '2.0.15', 5.5, t, t + 90_000],
  );
  const row = (id: string, seq: number, type: string, time: number, data: Obj) =>
    db.run('INSERT INTO session_message (id, session_id, type, seq, time_created, time_updated, data) VALUES (?,?,?,?,?,?,?)', [
      id,
      MIGRATED,
      type,
      seq,
      time,
      time,
      JSON.stringify({ time: { created: time }, ...data }),
    ]);
  const model = { id: 'claude-sonnet-4-5', providerID: 'anthropic' };
  row('msg_d000000001Ia', 1, 'user', t + 100, { text: 'hello', files: [] });
  row('msg_d000000101Ja', 2, 'assistant', t + 200, {
    agent: 'build',
    model,
    content: [{ type: 'text', id: 't1', text: 'hi' }],
    finish: 'stop',
    cost: 0.001,
    tokens: tokens(100, 10, 0, 0, 0),
  });
  row('msg_e000000001Ka', 3, 'user', t + 1000, { text: 'continue', files: [] });
  row('msg_e000000101La', 4, 'assistant', t + 1100, {
    agent: 'build',
    model,
    content: [
      { type: 'reasoning', id: 'r1', text: 'look around' },
      {
        type: 'tool',
        id: 'call_s1',
        name: 'shell',
        state: { status: 'completed', input: { command: 'ls' }, content: [{ type: 'text', text: 'a.ts' }] },
      },
      { type: 'text', id: 't2', text: 'One file.' },
    ],
    finish: 'tool-calls',
    cost: 0.004,
    tokens: tokens(802, 42, 10, 200, 3),
  });
  row('msg_e000000201Ma', 5, 'shell', t + 2000, { callID: 'sh1', command: 'ls', status: 'exited', output: { output: 'a.ts' } });
  row('msg_e000000301Na', 6, 'compaction', t + 3000, {
    reason: 'auto',
    status: 'completed',
    summary: '## Objective\nlist files',
    cost: 0.0005,
    tokens: tokens(50, 20, 0, 0, 0),
  });
  const path = join(dataDir, 'opencode.db');
  writeFileSync(path, Buffer.from(db.export()));
  db.close();
  return {
    db: path,
    facts: {
      id: MIGRATED,
      kind: 'root',
      title: 'Migrated title',
      timestamp: iso(t),
      // hello, continue; the copied call once, the 2.x call, the compaction's call; the shell tool's result; `ls`.
      counts: { user: 2, assistant: 3, toolResult: 1, bashExecution: 1, compaction: 1, session_info: 1 },
      // 100/10, 802/42+10 reasoning/200/3, 50/20
      totals: { input: 952, output: 82, cacheRead: 200, cacheWrite: 3, totalTokens: 1237, cost: 0.0055 },
    },
  };
}

/** The bytes of a file, for comparing before and after. */
export const bytesOf = (path: string) => readFileSync(path);
