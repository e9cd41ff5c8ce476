import { useState } from 'preact/hooks';
import type { ViewItem, ViewToolCall } from '../contracts/view.js';
import { safeCode, safeMarkdown } from './sanitize.js';
import { displayText, firstPart, formatCost, formatTime, formatTokens } from './text.js';

const LABELS: Record<ViewItem['type'], string> = {
  user: 'user',
  assistant: 'assistant',
  tool: 'tool result',
  bash: 'bash',
  compaction: 'context compacted',
  branch_summary: 'branch summary',
  model_change: 'model change',
  title: 'title',
  other: 'entry',
};

interface ItemProps {
  item: ViewItem;
  target: boolean;
  maxText: number;
  openBranches: ReadonlySet<string>;
  onToggleBranch: (start: string) => void;
}

/** One entry of the conversation, its anchor `entry-<id>` the target of deep links. */
export function Item({ item, target, maxText, openBranches, onToggleBranch }: ItemProps) {
  const classes = ['item', `item-${item.type}`, item.active ? '' : 'inactive', item.error ? 'error' : '', target ? 'target' : ''];
  return (
    <article id={`entry-${item.id}`} class={classes.filter(Boolean).join(' ')} data-entry-id={item.id}>
      <header class="item-head">
        <span class="role">{LABELS[item.type]}</span>
        {item.model && <span class="model">{displayText(item.model)}</span>}
        <span class="time">{formatTime(item.timestamp)}</span>
        {item.usage && <span class="usage">{formatTokens(item.usage.total)} tok</span>}
        {item.cost !== null && <span class="cost">{formatCost(item.cost)}</span>}
        {!item.active && <span class="badge">other branch</span>}
        <a class="anchor" href={`#entry-${encodeURIComponent(item.id)}`} title="link to this entry" aria-label="link to this entry">
          #
        </a>
      </header>
      {item.thinking && (
        <details class="thinking">
          <summary>thinking</summary>
          <Markdown text={item.thinking} maxText={maxText} />
        </details>
      )}
      <Body item={item} maxText={maxText} />
      {item.tools.map((tool) => (
        <Tool key={tool.id} tool={tool} maxText={maxText} />
      ))}
      {item.error && <p class="error-text">{displayText(item.error)}</p>}
      {item.branches.length > 0 && (
        <div class="branches">
          {item.branches.map((start, i) => (
            <button
              type="button"
              class="branch-toggle"
              data-branch={start}
              aria-pressed={openBranches.has(start)}
              onClick={() => onToggleBranch(start)}
            >
              {openBranches.has(start) ? 'hide' : 'show'} other branch {item.branches.length > 1 ? i + 1 : ''}
            </button>
          ))}
        </div>
      )}
    </article>
  );
}

function Body({ item, maxText }: { item: ViewItem; maxText: number }) {
  if (item.text === null) return null;
  switch (item.type) {
    case 'user':
    case 'assistant':
      return <Markdown text={item.text} maxText={maxText} />;
    case 'compaction':
    case 'branch_summary':
      return (
        <details class="summary">
          <summary>summary</summary>
          <Markdown text={item.text} maxText={maxText} />
        </details>
      );
    default:
      return <Plain text={item.text} maxText={maxText} />;
  }
}

function Tool({ tool, maxText }: { tool: ViewToolCall; maxText: number }) {
  return (
    <details class={`tool-call${tool.is_error ? ' error' : ''}`} data-tool-id={tool.id}>
      <summary>
        <span class="tool-name">{displayText(tool.name)}</span>
        {tool.is_error && <span class="badge error-badge">error</span>}
        {tool.result === null && <span class="badge">no result</span>}
      </summary>
      <div class="tool-arguments">
        <Code text={tool.arguments} language="json" maxText={maxText} />
      </div>
      {tool.result !== null && (
        <div class="tool-result">
          <Plain text={tool.result} maxText={maxText} />
        </div>
      )}
    </details>
  );
}

/** The "show all" toggle of a long text; and a note when the server itself cut the text at `max_text`. */
function ShowAll({ text, onShowAll }: { text: string; onShowAll: () => void }) {
  return (
    <p class="cut">
      <button type="button" class="show-all" onClick={onShowAll}>
        show all ({text.length.toLocaleString('en')} characters)
      </button>
    </p>
  );
}

function ServerCut({ text, maxText }: { text: string; maxText: number }) {
  if (maxText <= 0 || text.length < maxText) return null;
  return <p class="cut server-cut">cut at {maxText.toLocaleString('en')} characters: the raw file has it whole</p>;
}

/** Markdown, sanitised; a text longer than the first part shows that part as plain text until "show all". */
function Markdown({ text, maxText }: { text: string; maxText: number }) {
  const part = firstPart(text);
  if (!part.cut) {
    return (
      <>
        <div class="md" dangerouslySetInnerHTML={{ __html: safeMarkdown(text) }} />
        <ServerCut text={text} maxText={maxText} />
      </>
    );
  }
  // A long text stays plain, even whole: Markdown on megabytes would stall the page.
  return <Plain text={text} maxText={maxText} />;
}

/** Plain text in a text node (never markup), its first part first. */
function Plain({ text, maxText }: { text: string; maxText: number }) {
  const [all, setAll] = useState(false);
  const part = firstPart(text);
  return (
    <div class="long">
      <pre class="plain">{displayText(all ? text : part.text)}</pre>
      {part.cut && !all && <ShowAll text={text} onShowAll={() => setAll(true)} />}
      <ServerCut text={text} maxText={maxText} />
    </div>
  );
}

/** Code highlighted as `language`; a long one is plain text. */
function Code({ text, language, maxText }: { text: string; language: string; maxText: number }) {
  if (firstPart(text).cut) return <Plain text={text} maxText={maxText} />;
  return (
    <pre class="code">
      <code class={`hljs language-${language}`} dangerouslySetInnerHTML={{ __html: safeCode(displayText(text), language) }} />
    </pre>
  );
}
