import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import initSqlJs, { type Database } from 'sql.js';
import { walChecksum } from '../../../src/core/agents/opencode/wal.js';
import {
  PROJECT,
  T0,
  CWD,
  MIGRATED,
  assistant,
  childSession,
  iso,
  lateSession,
  rootSession,
  stepFinish,
  stepStart,
  textPart,
  tokens,
  user,
  type Obj,
  type Sess,
  type SessionFacts,
} from './opencode-data.js';

export { CHILD, CWD, FACTS, LATE, MIGRATED, ROOT, type SessionFacts, type Totals } from './opencode-data.js';

/**
 * opencode's stores, written the way opencode lays them out under its data folder, with the
 * expected facts worked out by hand from opencode's rules (what it billed): one assistant message
 * holds every model call of a turn as step-start … step-finish runs, each step-finish holds that
 * call's tokens and cost, and the message's own `tokens` are the LAST step's only (opencode
 * overwrites them each step): a reader that adds them to the steps, or uses them alone, gets
 * other totals than these.
 */

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
