import { saveCommand, patchCommand, createCommand } from './sessions.def.js';
import { pushCommand, sendCommand } from './events.def.js';
import { loginCommand, logoutCommand, whoamiCommand } from './auth.def.js';
import { completionCommand } from './completion.def.js';
import { configCommands } from './config.def.js';
import { handledBy, type CommandSpec, type Handler } from './define.js';
import { hookCommand } from './hook.def.js';
import { scanCommand } from './scan.def.js';
import { serveCommand, type serveOptions } from './serve.def.js';
import { statusCommand } from './status.def.js';
import { copyCommand } from './store.def.js';
import { treeCommand } from './tree.def.js';
import { uploadCommand } from './upload.def.js';
import { versionCommand } from './version.def.js';
import { viewCommand } from './view.def.js';
import { watchCommand, type watchOptions } from './watch.def.js';

/** The commands that only group others (`traces sessions save`), with their help line. */
export const GROUPS: Record<string, string> = {
  sessions: 'session metadata: save, patch, create',
  events: 'sessions as event batches: push, send',
  store: 'whole stores: copy between a folder and a bucket',
  config: 'read and change settings',
};

/**
 * Every command, in the order help lists them, with the handler each loads when it runs. A command
 * is declared in its `.def.ts`; its handler module is named only here (lazily), so a declaration and
 * its handler never import each other.
 */
// `any`: each command has its own options type; the registry holds them side by side.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const COMMANDS: CommandSpec<any>[] = [
  handledBy(uploadCommand, () => import('./upload.js').then((m) => m.upload)),
  handledBy(treeCommand, () => import('./tree.js').then((m) => m.tree)),
  handledBy(statusCommand, () => import('./status.js').then((m) => m.status)),
  handledBy(scanCommand, () => import('./scan.js').then((m) => m.scan)),
  handledBy(saveCommand, () => import('./sessions.js').then((m) => m.save)),
  handledBy(patchCommand, () => import('./sessions.js').then((m) => m.patch)),
  handledBy(createCommand, () => import('./events.js').then((m) => m.create)),
  handledBy(pushCommand, () => import('./events.js').then((m) => m.push)),
  handledBy(sendCommand, () => import('./events.js').then((m) => m.send)),
  handledBy(copyCommand, () => import('./store.js').then((m) => m.copy)),
  handledBy(watchCommand, () =>
    import('./watch.js').then(
      (m): Handler<typeof watchOptions> =>
        (args, flags, io) =>
          m.watch(args, flags, io),
    ),
  ),
  handledBy(hookCommand, () => import('./hook.js').then((m) => m.hook)),
  handledBy(loginCommand, () => import('./auth.js').then((m) => m.login)),
  handledBy(logoutCommand, () => import('./auth.js').then((m) => m.logout)),
  handledBy(whoamiCommand, () => import('./auth.js').then((m) => m.whoami)),
  ...configCommands.map((spec) =>
    handledBy(spec, () =>
      import('./config.js').then(
        (m): Handler<typeof spec.options> =>
          (positional, flags, io) =>
            m.configCommand(spec.verb, positional, flags, io),
      ),
    ),
  ),
  handledBy(viewCommand, () => import('./view.js').then((m) => m.view)),
  handledBy(serveCommand, () =>
    import('./serve.js').then(
      (m): Handler<typeof serveOptions> =>
        (_args, flags, io) =>
          m.serve(flags, io),
    ),
  ),
  // The completion script is made from this list itself, which its handler is given rather than importing.
  handledBy(completionCommand, () =>
    import('./completion.js').then(
      (m): Handler<typeof completionCommand.options> =>
        (args, _flags, io) =>
          m.completion(args[0]!, COMMANDS as CommandSpec[], GROUPS, io),
    ),
  ),
  handledBy(versionCommand, () => import('./version.js').then((m) => m.version)),
];
