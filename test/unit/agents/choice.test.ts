import { describe, expect, it } from 'vitest';
import { chooseAgents, parseAgents } from '../../../src/core/agents/choice.js';
import { AGENT_NAMES } from '../../../src/core/agents/types.js';
import { UsageError } from '../../../src/errors.js';

describe('parseAgents', () => {
  it('takes repeated and comma-separated names, each once, in the usual order', () => {
    expect(parseAgents(['codex', 'claude,prime', 'CODEX'], '--agent')).toEqual(['prime', 'claude', 'codex']);
  });

  it('reads all as every agent', () => {
    expect(parseAgents(['claude', 'all'], '--agent')).toEqual([...AGENT_NAMES]);
  });

  it('refuses an unknown name, naming it and the known ones', () => {
    expect(() => parseAgents(['claude,cursor'], '--agent')).toThrow(UsageError);
    expect(() => parseAgents(['claude,cursor'], '--agent')).toThrow(/unknown agent "cursor"/);
    try {
      parseAgents(['x'], '--agent');
    } catch (error) {
      expect((error as UsageError).hint).toContain('opencode');
    }
  });

  it('refuses an empty value', () => {
    expect(() => parseAgents([' , '], '--agent')).toThrow(/name an agent/);
  });
});

describe('chooseAgents', () => {
  it('scans prime-agent only by default, and reads a named PATH in any format', () => {
    expect(chooseAgents(undefined, undefined)).toEqual({ scan: ['prime'], paths: [...AGENT_NAMES] });
  });

  it('scans the agents of the setting, still any format for a named PATH', () => {
    expect(chooseAgents(undefined, 'claude,codex')).toEqual({ scan: ['claude', 'codex'], paths: [...AGENT_NAMES] });
  });

  it('lets --agent decide both, over the setting', () => {
    expect(chooseAgents(['gemini'], 'claude')).toEqual({ scan: ['gemini'], paths: ['gemini'] });
  });
});
