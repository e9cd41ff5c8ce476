import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { viewPageHtml } from '../../src/output/view-page.js';
import { checkPage } from '../helpers/page-checks.js';
import { viewPage } from '../helpers/view-page.js';

// The built bundle (npm test's pretest runs tsup): the page inlines what the web view really is.
const assets = {
  js: readFileSync(new URL('../../dist/web/app.js', import.meta.url), 'utf8'),
  css: readFileSync(new URL('../../dist/web/app.css', import.meta.url), 'utf8'),
};

describe('the page traces view writes', () => {
  it('is one sealed page: the inline script and style allowed by hash, nothing fetched, the data round-trips', () => {
    const page = viewPage();
    expect(checkPage(viewPageHtml(page, assets))).toEqual(page);
  });

  it('keeps a </script>, <!-- or U+2028 in a message inside the data block', () => {
    const page = viewPage('</script><script>globalThis.pwned=1</script> <!-- <script> \u2028 </SCRIPT >');
    const html = viewPageHtml(page, assets);
    expect(checkPage(html)).toEqual(page);
  });

  it('escapes the title in <title>', () => {
    const page = viewPage();
    page.sessions[0]!.summary.title = '</title><script>x</script>';
    const html = viewPageHtml(page, assets);
    expect(html).toContain('<title>&#60;/title&#62;&#60;script&#62;x&#60;/script&#62; · traces</title>');
    checkPage(html);
  });

  it('hashes the script as the browser reads it (CR LF as LF)', () => {
    const html = viewPageHtml(viewPage(), { js: 'var a = 1;\r\nvar b = 2;', css: 'a{}\r\n' });
    expect(html).toContain('<script>var a = 1;\nvar b = 2;</script>');
    checkPage(html);
  });

  it('refuses a bundle that would end its own element', () => {
    expect(() => viewPageHtml(viewPage(), { js: 'x = "</script>"', css: '' })).toThrow(/cannot be inlined/);
  });
});
