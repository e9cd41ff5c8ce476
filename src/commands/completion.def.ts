import { defineCommand } from './define.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export const completionCommand = defineCommand({
  name: 'completion',
  summary: 'print a shell completion script (commands, flags and their values)',
  args: [['<shell>', 'bash, zsh or fish', SHELLS]],
  options: {},
  examples: [
    'source <(traces completion bash)',
    'traces completion bash > ~/.local/share/bash-completion/completions/traces',
    'traces completion zsh > "${fpath[1]}/_traces"',
    'traces completion fish > ~/.config/fish/completions/traces.fish',
  ],
});
