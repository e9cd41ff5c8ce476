import { useState } from 'preact/hooks';
import type { ViewTreeNode } from '../contracts/view.js';
import { displayText, formatCost, formatDuration, formatTokens } from './text.js';

interface TreeProps {
  root: ViewTreeNode;
  selected: string;
  hrefOf: (id: string) => string | null;
  onSelect: (id: string) => void;
}

/** The recursion tree as an outline: every node open at first, each one with children foldable. */
export function Tree(props: TreeProps) {
  const [closed, setClosed] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setClosed((before) => {
      const next = new Set(before);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  return (
    <ul class="tree-root">
      <Node node={props.root} {...props} closed={closed} toggle={toggle} />
    </ul>
  );
}

function Node(props: TreeProps & { node: ViewTreeNode; closed: ReadonlySet<string>; toggle: (id: string) => void }) {
  const { node, selected, hrefOf, onSelect, closed, toggle } = props;
  const open = !closed.has(node.session_id);
  const href = hrefOf(node.session_id);
  const label = displayText(node.title ?? node.session_id);
  const rolled = node.subtree.sessions > 1;
  return (
    <li class={`tree-node kind-${node.kind}${node.session_id === selected ? ' selected' : ''}`} data-session-id={node.session_id}>
      <div class="tree-line">
        {node.children.length > 0 ? (
          <button
            type="button"
            class="tree-toggle"
            aria-expanded={open}
            title={open ? 'fold' : 'unfold'}
            onClick={() => toggle(node.session_id)}
          >
            {open ? '▾' : '▸'}
          </button>
        ) : (
          <span class="tree-leaf" />
        )}
        {href ? (
          <a
            class="tree-link"
            href={href}
            onClick={(event) => {
              if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
              event.preventDefault();
              onSelect(node.session_id);
            }}
          >
            {label}
          </a>
        ) : (
          <span class="tree-link missing" title="not on this page">
            {label}
          </span>
        )}
        <span class="badge">{node.kind}</span>
        <span class="badge agent">{node.agent}</span>
      </div>
      <div class="figures own">
        {formatTokens(node.tokens.total)} tok · {formatCost(node.cost)} · {formatDuration(node.duration_ms)}
      </div>
      {rolled && (
        <div class="figures subtree" title="this session and every one below it">
          Σ {node.subtree.sessions} sessions · {formatTokens(node.subtree.tokens.total)} tok · {formatCost(node.subtree.cost)} ·{' '}
          {formatDuration(node.subtree.duration_ms)}
        </div>
      )}
      {open && node.children.length > 0 && (
        <ul class="tree-children">
          {node.children.map((child) => (
            <Node key={child.session_id} {...props} node={child} />
          ))}
        </ul>
      )}
    </li>
  );
}
