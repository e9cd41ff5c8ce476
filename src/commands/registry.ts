import { saveCommand, patchCommand, createCommand } from './sessions.def.js';
import { pushCommand, sendCommand } from './events.def.js';
import { loginCommand, logoutCommand, whoamiCommand } from './auth.def.js';
import { configCommands } from './config.def.js';
import type { CommandSpec } from './define.js';
import { hookCommand } from './hook.def.js';
import { serveCommand } from './serve.def.js';
import { statusCommand } from './status.def.js';
import { treeCommand } from './tree.def.js';
import { uploadCommand } from './upload.def.js';
import { watchCommand } from './watch.def.js';

/** The commands that only group others (`traces sessions save`), with their help line. */
export const GROUPS: Record<string, string> = {
  sessions: 'session metadata: save, patch, create',
  events: 'sessions as event batches: push, send',
  config: 'read and change settings',
};

/** Every command, in the order help lists them. A new command is declared in its `.def.ts` and added here. */

export const COMMANDS: CommandSpec<any>[] = [
  uploadCommand,
  treeCommand,
  statusCommand,
  saveCommand,
  patchCommand,
  createCommand,
  pushCommand,
  sendCommand,
  watchCommand,
  hookCommand,
  loginCommand,
  logoutCommand,
  whoamiCommand,
  ...configCommands,
  serveCommand,
];
