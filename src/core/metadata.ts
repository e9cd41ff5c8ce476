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
 * id = the session id (a UUID); model = the last assistant message's model, else the last
 * model_change, else the model the session names up front; message_count = entries of type message; title = what
 * the last session_info says (an empty name clears it).
 */
export async function deriveMetadata(path: string, info: SessionInfo): Promise<DerivedMetadata> {
  if (!UUID_TEXT.test(info.id)) throw new SessionFileError(`${path}: session id "${info.id}" is not a UUID; a metadata save needs one`);
  const entries = readEntries(path, info);
  let assistantModel: string | undefined;
  let changedModel: string | undefined;
  let title: string | undefined;
  let messages = 0;
  for await (const { value } of entries) {
    const type = value.type;
    if (type === 'message') {
      messages++;
      const message = value.message as Record<string, unknown> | undefined;
      if (message?.role === 'assistant' && typeof message.model === 'string' && message.model) assistantModel = message.model;
    } else if (type === 'model_change') {
      const model = str(value.modelId) ?? str(value.model);
      if (model) changedModel = model;
    } else {
      title = titleAfter(title, value);
    }
  }
  return {
    id: info.id,
    model: assistantModel ?? changedModel ?? info.modelId,
    message_count: messages,
    title,
    agent: agentLabel(info.agent),
  };
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
