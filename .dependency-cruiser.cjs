/**
 * The layer rules of docs/ARCHITECTURE.md, checked by `npm run lint`: the domain (core) and the
 * backends never reach up into commands or terminal output, core does not depend on a backend's
 * implementation, and nothing in src/ imports in a circle.
 */
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', from: { path: '^src' }, to: { circular: true } },
    {
      name: 'core-no-terminal',
      comment: 'The domain knows no terminal and no command: it takes its logger, client and store as arguments.',
      severity: 'error',
      from: { path: '^src/core' },
      to: { path: '^src/(commands|output|cli\\.ts)' },
    },
    {
      name: 'core-no-backend',
      comment: 'Core uses the wire contracts (src/contracts), never a backend implementation.',
      severity: 'error',
      from: { path: '^src/core' },
      to: { path: '^src/(backend|server)' },
    },
    {
      name: 'backend-no-upper-layers',
      severity: 'error',
      from: { path: '^src/(backend|server|config|util|contracts)' },
      to: { path: '^src/(commands|output|cli\\.ts)' },
    },
    {
      name: 'only-commands-use-the-server',
      severity: 'error',
      from: { path: '^src', pathNot: '^src/(server|commands)' },
      to: { path: '^src/server' },
    },
    {
      name: 'no-node-deps-from-output',
      comment: 'Rendering depends on results, not on how they were produced.',
      severity: 'error',
      from: { path: '^src/output' },
      to: { path: '^src/(commands|server)' },
    },
    {
      name: 'web-stands-apart',
      comment: 'The browser client is bundled on its own (dist/web): nothing else imports it, so the CLI never loads it.',
      severity: 'error',
      from: { path: '^src', pathNot: '^src/web' },
      to: { path: '^src/web' },
    },
    {
      name: 'web-takes-only-shapes',
      comment: 'The browser bundle takes the shapes and ids it renders, nothing written for Node.',
      severity: 'error',
      from: { path: '^src/web' },
      to: { path: '^src', pathNot: '^src/(web/|contracts/(view|patch-id)\\.ts$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
