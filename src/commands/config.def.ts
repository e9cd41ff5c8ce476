import { boolean, defineCommand, type Declared, type Options } from './define.js';

type Verb = 'get' | 'set' | 'unset' | 'list' | 'path';
const json = { json: boolean('--json', 'print JSON') };

export type ConfigVerb = Verb;

function configVerb<O extends Options>(verb: Verb, summary: string, options: O, args: [string, string?][] = []): Declared<O> & { verb: Verb } {
  return defineCommand({
    verb,
    name: `config ${verb}`,
    summary,
    args,
    options,
  });
}

export const configCommands = [
  configVerb('get', 'print one setting', json, [['<key>']]),
  configVerb('set', 'change one setting', {}, [['<key>'], ['<value>']]),
  configVerb('unset', 'remove one setting', {}, [['<key>']]),
  configVerb('list', 'print every setting and where data goes', json),
  configVerb('path', 'print the settings file path', {}),
];
