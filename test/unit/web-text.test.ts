import { describe, expect, it } from 'vitest';
import { markdownHtml } from '../../src/web/markdown.js';
import { displayText, FIRST_PART, firstPart, safeUrl } from '../../src/web/text.js';

// The string half of the web view's rendering (markdown-it with HTML off, then the browser's
// DOMPurify): what markdown-it makes of hostile text must already carry no markup of its own.
describe('web view: message text to HTML', () => {
  it('renders raw HTML as text: a <script> stays escaped', () => {
    const html = markdownHtml('hi <script>globalThis.pwned = 1</script>');
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;globalThis.pwned = 1&lt;/script&gt;');
  });

  it('renders an <img onerror> as text, and Markdown images not at all (no request leaves the page)', () => {
    const html = markdownHtml('<img src=x onerror="globalThis.pwned=1">\n\n![pixel](https://tracker.example/p.gif)');
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain('&lt;img src=x onerror=&quot;globalThis.pwned=1&quot;&gt;');
    expect(html).not.toContain('src="https://tracker.example');
  });

  it('drops javascript:, data: and vbscript: links and keeps https and mailto ones', () => {
    const html = markdownHtml(
      '[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](data:text/html;base64,PHNjcmlwdD4=) [d](vbscript:x) [e](https://example.com/x) [f](mailto:a@b.c) <javascript:alert(1)>',
    );
    expect(html).not.toMatch(/href="(?!https:|mailto:)/i);
    expect(html).toContain('<a href="https://example.com/x">e</a>');
    expect(html).toContain('<a href="mailto:a@b.c">f</a>');
    expect(html).toContain('[a](javascript:alert(1))');
  });

  it('keeps entities as the text they spell, escaped once', () => {
    const html = markdownHtml('&lt;script&gt; &amp;amp; &#60;b&#62; &quot;');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<b>');
    expect(html).toContain('&amp;amp;');
  });

  it('highlights code in a fence, its text escaped', () => {
    const html = markdownHtml('```js\nconst x = "</code><script>x</script>";\n```');
    expect(html).toContain('hljs-keyword');
    expect(html).not.toContain('<script');
  });

  it('strips ANSI escape sequences (colours, OSC hyperlinks) and control characters; NUL shows as U+FFFD', () => {
    const text = '\u001b[1;31mred\u001b[0m \u001b]8;;https://x.example\u0007link\u001b]8;;\u0007 a\u0000b\u0007c\u0008d';
    expect(displayText(text)).toBe('red link a\uFFFDbcd');
    // eslint-disable-next-line no-control-regex
    expect(markdownHtml(text)).not.toMatch(/[\u0000-\u0008\u001b]/);
  });

  it('cuts a 10 MB line to its first part, keeping the whole for "show all"', () => {
    const line = 'x'.repeat(10 * 1024 * 1024);
    const part = firstPart(line);
    expect(part.cut).toBe(true);
    expect(part.text.length).toBe(FIRST_PART);
    expect(firstPart('short')).toEqual({ text: 'short', cut: false });
    // A long text of lines is cut at a line end.
    const lines = `${'y'.repeat(15_000)}\n${'z'.repeat(15_000)}`;
    expect(firstPart(lines).text).toBe('y'.repeat(15_000));
  });

  it('accepts only http(s), mailto and in-page links', () => {
    for (const url of ['https://a.b', 'http://a.b', 'mailto:x@y', '#entry-1']) expect(safeUrl(url)).toBe(true);
    for (const url of ['javascript:alert(1)', ' javascript:x', 'data:text/html,x', 'file:///etc/passwd', 'vbscript:x', '//evil.example'])
      expect(safeUrl(url)).toBe(false);
  });
});
