import { homedir } from 'node:os';
import { join } from 'node:path';

export type Env = Record<string, string | undefined>;

export function homeDir(env: Env): string {
  return env.HOME || env.USERPROFILE || homedir();
}

/** Settings (conf). `TRACES_CONFIG_DIR`, else the platform's usual place. */
export function configDir(env: Env): string {
  if (env.TRACES_CONFIG_DIR) return env.TRACES_CONFIG_DIR;
  const home = homeDir(env);
  if (process.platform === 'darwin') return join(home, 'Library', 'Preferences', 'traces');
  if (process.platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'traces', 'Config');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'traces');
}

/** The ledger, the queue and logs. `TRACES_STATE_DIR`, else the platform's usual place. */
export function stateDir(env: Env): string {
  if (env.TRACES_STATE_DIR) return env.TRACES_STATE_DIR;
  const home = homeDir(env);
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', 'traces');
  if (process.platform === 'win32') return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'traces', 'State');
  return join(env.XDG_STATE_HOME || join(home, '.local', 'state'), 'traces');
}

/** The sessions dir, first set wins: `--sessions-dir`, `TRACES_SESSIONS_DIR`, `PRIME_AGENT_SESSION_DIR`, config, `~/.prime/agent/sessions`. */
export function sessionsDir(flag: string | undefined, env: Env, configured: string | undefined): { dir: string; source: string } {
  if (flag) return { dir: flag, source: '--sessions-dir' };
  if (env.TRACES_SESSIONS_DIR) return { dir: env.TRACES_SESSIONS_DIR, source: 'TRACES_SESSIONS_DIR' };
  if (env.PRIME_AGENT_SESSION_DIR) return { dir: env.PRIME_AGENT_SESSION_DIR, source: 'PRIME_AGENT_SESSION_DIR' };
  if (configured) return { dir: configured, source: 'config sessions_dir' };
  return { dir: join(homeDir(env), '.prime', 'agent', 'sessions'), source: 'default' };
}
