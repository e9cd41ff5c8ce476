import { EXIT } from '../errors.js';
import type { Io } from '../output/io.js';
import type { CommandSpec, OptionSpec } from './define.js';
import type { Shell } from './completion.def.js';

/** A command as completion sees it: the words after it (subcommands or allowed values) and its flags. */
interface Node {
  /** `traces sessions save`: the words that reach it. */
  path: string;
  summary: string;
  children: Node[];
  /** Allowed values of its positional argument (`completion <shell>`, `help <command>`). */
  values: string[];
  flags: Flag[];
  /** Whether a bare word after it may be a path (the shell's file completion then applies). */
  files: boolean;
}

interface Flag {
  name: string;
  description: string;
  takesValue: boolean;
  choices?: readonly string[];
  /** Its value is a path (`<dir>`, `<file>`, `<url-or-dir>`), so file names are worth offering. */
  path?: boolean;
}

const PATHLIKE = /path|file|dir/;
const HELP_FLAG: Flag = { name: '--help', description: 'show help', takesValue: false };

/** Prints the completion script of `shell`, made from the declared commands. */
export function completion(shell: string, commands: readonly CommandSpec[], groups: Record<string, string>, io: Io): Promise<number> {
  const root = commandTree(commands, groups);
  const render: Record<Shell, (root: Node) => string> = { bash, zsh, fish };
  // commander has already checked the shell against SHELLS.
  io.stdout.write(render[shell as Shell](root));
  return Promise.resolve(EXIT.ok);
}

function commandTree(commands: readonly CommandSpec[], groups: Record<string, string>): Node {
  const node = (path: string, summary: string): Node => ({ path, summary, children: [], values: [], flags: [HELP_FLAG], files: false });
  const root = node('traces', '');
  root.flags.push({ name: '--version', description: 'print the version', takesValue: false });
  for (const spec of commands) {
    const words = spec.name.split(' ');
    let parent = root;
    if (words.length > 1) {
      const path = `traces ${words[0]}`;
      let group = root.children.find((c) => c.path === path);
      if (!group) root.children.push((group = node(path, groups[words[0]!] ?? '')));
      parent = group;
    }
    const leaf = node(`traces ${spec.name}`, spec.summary);
    for (const option of Object.values<OptionSpec>(spec.options)) {
      if (option.hidden) continue;
      const [name, value = ''] = option.flag.split(' ');
      leaf.flags.push({
        name: name!,
        description: option.description,
        takesValue: value !== '',
        choices: option.choices,
        path: PATHLIKE.test(value),
      });
    }
    for (const [name, , choices] of spec.args ?? []) {
      if (choices) leaf.values.push(...choices);
      else if (PATHLIKE.test(name)) leaf.files = true;
    }
    parent.children.push(leaf);
  }
  for (const parent of [root, ...root.children.filter((c) => c.children.length > 0)]) parent.children.push(helpNode(parent));
  return root;
}

/** `help` under a command with subcommands: completes their names, and a group's own below it. */
function helpNode(parent: Node): Node {
  const help: Node = {
    path: `${parent.path} help`,
    summary: 'show the help of a command',
    children: [],
    values: [],
    flags: [HELP_FLAG],
    files: false,
  };
  for (const child of parent.children) {
    help.values.push(last(child.path));
    if (child.children.length > 0)
      help.children.push({
        ...child,
        path: `${help.path} ${last(child.path)}`,
        children: [],
        values: child.children.map((c) => last(c.path)),
        flags: [],
      });
  }
  return help;
}

function all(root: Node): Node[] {
  return [root, ...root.children.flatMap(all)];
}

const last = (path: string) => path.split(' ').at(-1)!;
const words = (node: Node) => [...node.children.map((c) => last(c.path)), ...node.values];
const single = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

function bash(root: Node): string {
  const nodes = all(root);
  const cases = nodes.map((node) => {
    const choices = node.flags
      .filter((f) => f.choices)
      .map((f) => `        ${f.name}) COMPREPLY=($(compgen -W ${single(f.choices!.join(' '))} -- "$cur")); return ;;`);
    const paths = node.flags.filter((f) => f.path).map((f) => f.name);
    const others = node.flags.filter((f) => f.takesValue && !f.choices && !f.path).map((f) => f.name);
    const prev = [
      ...choices,
      ...(paths.length > 0 ? [`        ${paths.join('|')}) return ;;`] : []),
      ...(others.length > 0 ? [`        ${others.join('|')}) compopt +o default 2>/dev/null; return ;;`] : []),
    ];
    return [
      `    ${single(node.path)})`,
      ...(prev.length > 0 ? ['      case "$prev" in', ...prev, '      esac'] : []),
      `      words=${single(words(node).join(' '))}`,
      `      flags=${single(node.flags.map((f) => f.name).join(' '))}`,
      '      ;;',
    ].join('\n');
  });
  return `# bash completion for traces; made by \`traces completion bash\`.
# Load it with: source <(traces completion bash)
_traces() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" node=traces i words='' flags=''
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "$node \${COMP_WORDS[i]}" in
      ${nodes
        .slice(1)
        .map((n) => single(n.path))
        .join('|')}) node="$node \${COMP_WORDS[i]}" ;;
    esac
  done
  # A path flag's value returns nothing, so that the shell completes file names; other values get nothing.
  case "$node" in
${cases.join('\n')}
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  fi
}
complete -o default -F _traces traces
`;
}

function zsh(root: Node): string {
  const nodes = all(root);
  const described = (name: string, description: string) => single(`${name}:${description.replace(/:/g, '\\:')}`);
  const cases = nodes.map((node) => {
    const choices = node.flags.filter((f) => f.choices).map((f) => `        ${f.name}) compadd -- ${f.choices!.join(' ')}; return ;;`);
    const paths = node.flags.filter((f) => f.path).map((f) => f.name);
    const others = node.flags.filter((f) => f.takesValue && !f.choices && !f.path).map((f) => f.name);
    const prev = [
      ...choices,
      ...(paths.length > 0 ? [`        ${paths.join('|')}) _files; return ;;`] : []),
      ...(others.length > 0 ? [`        ${others.join('|')}) return ;;`] : []),
    ];
    const commandWords = [...node.children.map((c) => described(last(c.path), c.summary)), ...node.values.map((v) => single(v))];
    return [
      `    ${single(node.path)})`,
      ...(prev.length > 0 ? ['      case "$prev" in', ...prev, '      esac'] : []),
      `      commands=(${commandWords.join(' ')})`,
      `      flags=(${node.flags.map((f) => described(f.name, f.description)).join(' ')})`,
      `      files=${node.files ? 1 : 0}`,
      '      ;;',
    ].join('\n');
  });
  return `#compdef traces
# zsh completion for traces; made by \`traces completion zsh\`.
# Put it in a folder of $fpath as _traces, or load it with: source <(traces completion zsh)
_traces() {
  local node=traces prev="\${words[CURRENT-1]}" cur="\${words[CURRENT]}" i files=0
  local -a commands flags
  for ((i = 2; i < CURRENT; i++)); do
    case "$node \${words[i]}" in
      ${nodes
        .slice(1)
        .map((n) => single(n.path))
        .join('|')}) node="$node \${words[i]}" ;;
    esac
  done
  case "$node" in
${cases.join('\n')}
  esac
  if [[ $cur == -* ]]; then
    _describe -t flags flag flags
  elif (( \${#commands} )); then
    _describe -t commands command commands
  elif (( files )); then
    _files
  fi
}
if [[ "\${funcstack[1]}" == _traces ]]; then
  _traces "$@"
else
  compdef _traces traces
fi
`;
}

function fish(root: Node): string {
  const quote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const nodes = all(root);
  const lines: string[] = [];
  for (const node of nodes) {
    const when = `-n ${quote(`test (__traces_node) = ${quote(node.path)}`)}`;
    for (const child of node.children) lines.push(`complete -c traces ${when} -a ${last(child.path)} -d ${quote(child.summary)}`);
    if (node.values.length > 0) lines.push(`complete -c traces ${when} -a ${quote(node.values.join(' '))}`);
    if (node.files) lines.push(`complete -c traces ${when} -F`);
    for (const flag of node.flags) {
      const value = flag.choices ? ` -x -a ${quote(flag.choices.join(' '))}` : flag.path ? ' -r -F' : flag.takesValue ? ' -x' : '';
      lines.push(`complete -c traces ${when} -l ${flag.name.slice(2)}${value} -d ${quote(flag.description)}`);
    }
  }
  return `# fish completion for traces; made by \`traces completion fish\`.
# Save it as ~/.config/fish/completions/traces.fish
function __traces_node
    set -l node traces
    for word in (commandline -opc)[2..-1]
        switch "$node $word"
            case ${nodes
              .slice(1)
              .map((n) => quote(n.path))
              .join(' ')}
                set node "$node $word"
        end
    end
    echo $node
end
complete -c traces -f
${lines.join('\n')}
`;
}
