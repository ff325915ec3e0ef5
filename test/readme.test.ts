import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/*
 * The README is the newcomer's page: it stays short (everything longer lives in docs/), and none of its links, nor
 * those of docs/*.md, may lead nowhere. A relative link must name a file that exists; a `#anchor` must name a
 * heading of the file it points at, slugged as GitHub slugs headings.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const README_LIMIT_BYTES = 8192;

interface Link {
  file: string;
  line: number;
  target: string;
}

/** The text outside fenced code blocks and inline code, line by line (links inside code are examples, not links). */
function proseLines(text: string): string[] {
  let fenced = false;
  return text.split('\n').map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : line.replace(/`[^`]*`/g, '');
  });
}

/** Inline links and images, `[text](target)` or `[text](target "title")`, that are not absolute URLs. */
function relativeLinks(file: string): Link[] {
  const links: Link[] = [];
  proseLines(readFileSync(file, 'utf8')).forEach((line, index) => {
    for (const match of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = match[1] ?? '';
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
      links.push({ file, line: index + 1, target });
    }
  });
  return links;
}

/** GitHub's heading anchor: lower case, inline markup and punctuation dropped, spaces to hyphens, repeats numbered. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = (heading[1] ?? '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** What is wrong with a link, or null when it resolves. */
function brokenReason(link: Link): string | null {
  const [rawPath, anchor] = link.target.split('#', 2) as [string, string | undefined];
  const targetFile = rawPath === '' ? link.file : path.resolve(path.dirname(link.file), decodeURIComponent(rawPath));
  if (!existsSync(targetFile)) return 'no such file';
  if (!targetFile.startsWith(root + path.sep)) return 'leaves the repository';
  if (anchor === undefined || anchor === '') return null;
  if (statSync(targetFile).isDirectory() || !targetFile.endsWith('.md'))
    return 'an anchor into a file that is not Markdown';
  const anchors = headingAnchors(readFileSync(targetFile, 'utf8'));
  return anchors.has(decodeURIComponent(anchor).toLowerCase()) ? null : `no heading for #${anchor}`;
}

const docs = readdirSync(path.join(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => path.join(root, 'docs', name));
const documents = [path.join(root, 'README.md'), ...docs];

describe('README and docs/', () => {
  it(`the README is under ${README_LIMIT_BYTES} bytes`, () => {
    const size = statSync(path.join(root, 'README.md')).size;
    assert.ok(size < README_LIMIT_BYTES, `README.md is ${size} bytes; move detail into docs/`);
  });

  it('the README links every file in docs/', () => {
    const linked = new Set(
      relativeLinks(path.join(root, 'README.md')).map((link) => path.resolve(root, link.target.split('#')[0] ?? '')),
    );
    const unlinked = docs.filter((file) => !linked.has(file)).map((file) => path.relative(root, file));
    assert.deepEqual(unlinked, []);
  });

  it('every relative link in README.md and docs/*.md resolves, anchors included', () => {
    const links = documents.flatMap(relativeLinks);
    assert.ok(links.length > 20, `links are found (${links.length})`);
    const broken = links
      .map((link) => ({ link, reason: brokenReason(link) }))
      .filter(({ reason }) => reason !== null)
      .map(({ link, reason }) => `${path.relative(root, link.file)}:${link.line}: ${link.target}: ${reason}`);
    assert.deepEqual(broken, []);
  });

  it('the link check itself finds a missing file and a missing heading', () => {
    const readme = path.join(root, 'README.md');
    assert.equal(brokenReason({ file: readme, line: 1, target: 'docs/no-such-file.md' }), 'no such file');
    assert.equal(
      brokenReason({ file: readme, line: 1, target: 'docs/operations.md#no-such-heading' }),
      'no heading for #no-such-heading',
    );
    assert.equal(brokenReason({ file: readme, line: 1, target: 'docs/operations.md#workers-and-scaling' }), null);
    assert.ok(headingAnchors('## Sealing the queues (issue 16)\n').has('sealing-the-queues-issue-16'));
    assert.ok(
      headingAnchors('### Outbound: at most once, or `exactly` once\n').has('outbound-at-most-once-or-exactly-once'),
    );
  });
});
