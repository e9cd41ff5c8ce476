import { SessionFileError } from '../errors.js';
import { UUID_TEXT } from '../contracts/wire.js';
import { agentLabel, readEntries, type SessionInfo } from './agents/registry.js';
import { titleAfter } from './sessions/title.js';

/** What a session file says about itself, for a metadata save. */
export interface DerivedMetadata {
  id: string;
  model?: string;
  message_count: number;
  title?: string;
  agent: string;
}

/**
 * The session-level facts gathered entry by entry, for a metadata save and for the web view: the
 * model (the last assistant message's model, else the last model_change, else the model the
 * session names up front), the title (what the last session_info says; an empty name clears it)
 * and the count of message entries.
 */
export class MetadataTally {
  private assistantModel: string | undefined;
  private changedModel: string | undefined;
  title: string | undefined;
  /** Entries of type message (every role). */
  messages = 0;

  add(value: Record<string, unknown>): void {
    const type = value.type;
    if (type === 'message') {
      this.messages++;
      const message = value.message as Record<string, unknown> | undefined;
      if (message?.role === 'assistant' && typeof message.model === 'string' && message.model) this.assistantModel = message.model;
    } else if (type === 'model_change') {
      const model = str(value.modelId) ?? str(value.model);
      if (model) this.changedModel = model;
    } else {
      this.title = titleAfter(this.title, value);
    }
  }

  model(info: SessionInfo): string | undefined {
    return this.assistantModel ?? this.changedModel ?? info.modelId;
  }
}

/** id = the session id (a UUID), and the {@link MetadataTally} of its entries. */
export async function deriveMetadata(path: string, info: SessionInfo): Promise<DerivedMetadata> {
  if (!UUID_TEXT.test(info.id)) throw new SessionFileError(`${path}: session id "${info.id}" is not a UUID; a metadata save needs one`);
  const facts = new MetadataTally();
  for await (const { value } of readEntries(path, info)) facts.add(value);
  return {
    id: info.id,
    model: facts.model(info),
    message_count: facts.messages,
    title: facts.title,
    agent: agentLabel(info.agent),
  };
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
