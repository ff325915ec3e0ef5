import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { projectRoot } from './helpers/cli.ts';

/**
 * The parts of src/ (its top-level folders) must import each other without a circle: a part that reaches itself
 * through another cannot be understood, tested or moved apart from it (issue 20: outbound ↔ pipeline,
 * auth ↔ audit, audit ↔ review). Imports are read as TypeScript reads them (`import`, `import type`,
 * `export … from`, `import()`), so a comment or a string that looks like one does not count; tests inside src/ and
 * the generated Prisma client are not parts of the program's structure and are left out.
 */

const srcDir = path.join(projectRoot, 'src');

/** An import of one part by another, file by file: what a circle is reported with. */
interface Tie {
  from: string;
  to: string;
  file: string;
  imports: string;
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (full !== path.join(srcDir, 'generated')) files.push(...sourceFiles(full));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) files.push(full);
  }
  return files;
}

/** The part of src/ a path lies in (its first folder), or null outside src/ or for a file directly in src/. */
function partOf(file: string): string | null {
  const relative = path.relative(srcDir, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return null;
  const parts = relative.split(path.sep);
  return parts.length > 1 ? parts[0]! : null;
}

/** Every relative import of a file that lands in another part of src/. */
function tiesOf(file: string, text: string): Tie[] {
  const from = partOf(file);
  if (!from) return [];
  const ties: Tie[] = [];
  for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
    if (!imported.fileName.startsWith('.')) continue;
    const to = partOf(path.resolve(path.dirname(file), imported.fileName));
    if (to && to !== from) ties.push({ from, to, file: path.relative(projectRoot, file), imports: imported.fileName });
  }
  return ties;
}

/** The circles among parts: strongly connected components of more than one part (Tarjan), each sorted. */
function circles(ties: readonly Tie[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const tie of ties) {
    if (!next.has(tie.from)) next.set(tie.from, new Set());
    if (!next.has(tie.to)) next.set(tie.to, new Set());
    next.get(tie.from)!.add(tie.to);
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (part: string): void => {
    index.set(part, counter);
    low.set(part, counter);
    counter++;
    stack.push(part);
    for (const other of next.get(part)!) {
      if (!index.has(other)) {
        visit(other);
        low.set(part, Math.min(low.get(part)!, low.get(other)!));
      } else if (stack.includes(other)) low.set(part, Math.min(low.get(part)!, index.get(other)!));
    }
    if (low.get(part) === index.get(part)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        component.push(member);
      } while (member !== part);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const part of [...next.keys()].sort()) if (!index.has(part)) visit(part);
  return found.sort((a, b) => a.join().localeCompare(b.join()));
}

function describeCircle(circle: readonly string[], ties: readonly Tie[]): string {
  const inside = ties.filter((t) => circle.includes(t.from) && circle.includes(t.to));
  return `src/{${circle.join(', ')}} import each other:\n${inside.map((t) => `  ${t.from} -> ${t.to}: ${t.file} imports ${t.imports}`).join('\n')}`;
}

describe('import cycles between the parts of src/', () => {
  it('finds a circle, and only a circle, in a made-up tree (the check can fail)', () => {
    const at = (part: string, name: string) => path.join(srcDir, part, name);
    const ties = [
      ...tiesOf(at('outbound', 'gate.ts'), `import { addOutbound } from '../pipeline/queues.ts';`),
      ...tiesOf(
        at('pipeline', 'workers.ts'),
        `import type { X } from '../outbound/gate.ts';\n// import '../audit/x.ts'`,
      ),
      ...tiesOf(at('pipeline', 'feed.ts'), `export { y } from '../store/z.ts'; const s = "import '../auth/a.ts'";`),
      ...tiesOf(at('review', 'decide.ts'), `const m = await import('../audit/log.ts');`),
      ...tiesOf(at('audit', 'export.ts'), `import { csvField } from '../review/report.ts';`),
      ...tiesOf(at('service', 'a.ts'), `import { b } from './b.ts'; import pg from 'pg';`),
    ];
    assert.deepEqual(
      ties.map((t) => `${t.from}->${t.to}`),
      ['outbound->pipeline', 'pipeline->outbound', 'pipeline->store', 'review->audit', 'audit->review'],
      'type imports, re-exports and import() count; comments, strings, packages and imports within a part do not',
    );
    assert.deepEqual(circles(ties), [
      ['audit', 'review'],
      ['outbound', 'pipeline'],
    ]);
    assert.deepEqual(circles(ties.filter((t) => t.from !== 'audit')), [['outbound', 'pipeline']]);
  });

  it('src/ has none', () => {
    const ties = sourceFiles(srcDir).flatMap((file) => tiesOf(file, readFileSync(file, 'utf8')));
    // the walk reads the tree: the service layer's imports of the parts below it are there to be found
    const edges = new Set(ties.map((t) => `${t.from}->${t.to}`));
    for (const known of ['service->auth', 'service->audit', 'service->review', 'outbound->pipeline', 'auth->audit'])
      assert.ok(edges.has(known), `no import ${known} found: the check reads nothing`);
    const found = circles(ties);
    assert.deepEqual(found, [], found.map((c) => describeCircle(c, ties)).join('\n'));
  });
});
