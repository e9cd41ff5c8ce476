import { boolean, defineCommand, type CommandSpec, type Handler, type Options } from './define.js';

type Verb = 'get' | 'set' | 'unset' | 'list' | 'path';
const json = { json: boolean('--json', 'print JSON') };

function configVerb<O extends Options>(verb: Verb, summary: string, options: O, args: [string, string?][] = []): CommandSpec<O> {
  return defineCommand({
    name: `config ${verb}`,
    summary,
    args,
    options,
    load: () => import('./config.js').then((m): Handler<O> => (positional, flags, io) => m.configCommand(verb, positional, flags, io)),
  });
}

export const configCommands = [
  configVerb('get', 'print one setting', json, [['<key>']]),
  configVerb('set', 'change one setting', {}, [['<key>'], ['<value>']]),
  configVerb('unset', 'remove one setting', {}, [['<key>']]),
  configVerb('list', 'print every setting and where data goes', json),
  configVerb('path', 'print the settings file path', {}),
];
