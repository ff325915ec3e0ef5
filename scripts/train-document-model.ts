/**
 * `npm run train:documents`: trains the document-number model (src/classifier/document-model/) on the evaluation
 * set's tuning parts — the tune part, the retired first held-out part, holdout2's identifier files and the identifier
 * parts retired into tuning (eval/classify/README.md) — never on holdout2's health files nor on the identifiers'
 * current held-out part. Each passport or ID-card candidate the rules find is an example, labelled by whether its
 * message holds that category. Deterministic; prints the cross-validated figures, writes weights.generated.ts.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { documentCandidates } from '../src/classifier/classify.ts';
import { loadSet, RETIRED_IDENTIFIER_PARTS, type LabelledMessage } from '../eval/classify/load-set.ts';
import { trainLogistic } from './logistic-regression.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(root, 'src', 'classifier', 'document-model', 'weights.generated.ts');
/** the parts trained on; the identifiers' held-out part and holdout2's health files are left out */
const TRAINING_PARTS = ['tune', 'holdout', ...RETIRED_IDENTIFIER_PARTS] as const;
const EPOCHS = 8;
const L2 = 1e-4;
const RATE = 0.3;

interface Example {
  message: number;
  /** the part the message comes from: cross-validation leaves out one writer's part at a time */
  part: string;
  category: string;
  features: number[];
  label: 0 | 1;
}

function examplesOf(messages: LabelledMessage[], index: Map<string, number>): Example[] {
  const out: Example[] = [];
  messages.forEach((m, k) => {
    for (const c of documentCandidates(m.text)) {
      const features = c.features.map((f) => index.get(f) ?? index.set(f, index.size).get(f)!);
      const label = m.labels.includes(c.category) ? 1 : 0;
      out.push({ message: k, part: m.split, category: c.category, features, label });
    }
  });
  return out;
}

/** The document model's weights for `examples` (scripts/logistic-regression.ts). */
function train(examples: Example[], size: number): { bias: number; weights: Float64Array } {
  return trainLogistic(examples, new Float64Array(size), new Float64Array(size), {
    epochs: EPOCHS,
    l2: L2,
    rate: RATE,
    seed: 7,
  });
}

const scoreOf = (m: { bias: number; weights: Float64Array }, e: Example) =>
  e.features.reduce((s, f) => s + m.weights[f]!, m.bias);

/** Message-level figures per category, as eval:classify counts: a message is predicted when one candidate scores. */
function messageFigures(scored: { e: Example; score: number }[], threshold: number) {
  const best = new Map<string, { score: number; label: 0 | 1 }>();
  for (const { e, score } of scored) {
    const key = `${e.message}:${e.category}`;
    const was = best.get(key);
    best.set(key, { score: Math.max(was?.score ?? -Infinity, score), label: (was?.label ?? 0) | e.label ? 1 : 0 });
  }
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const { score, label } of best.values()) {
    if (score >= threshold && label) tp++;
    else if (score >= threshold) fp++;
    else if (label) fn++;
  }
  const p = tp / Math.max(1, tp + fp);
  const r = tp / Math.max(1, tp + fn);
  return { p, r, f1: p + r === 0 ? 0 : (2 * p * r) / (p + r) };
}

function main(): void {
  const set = loadSet();
  const messages = TRAINING_PARTS.flatMap((part) => set[part]).concat(
    set.holdout2.filter((m) => path.basename(m.file).startsWith('ids-')),
  );
  const index = new Map<string, number>();
  const examples = examplesOf(messages, index);
  console.log(`${messages.length} messages, ${examples.length} candidates, ${index.size} features`);
  // leave one part out: each part's writers are scored by a model trained on the others' (messages of one part
  // share wording, and a message written twice with other identifiers must not sit on both sides)
  const scored: { e: Example; score: number }[] = [];
  const parts = [...new Set(examples.map((e) => e.part))];
  for (const part of parts) {
    const model = train(
      examples.filter((e) => e.part !== part),
      index.size,
    );
    for (const e of examples) if (e.part === part) scored.push({ e, score: scoreOf(model, e) });
  }
  let threshold = 0;
  let bestF1 = -1;
  for (let t = -3; t <= 3; t += 0.05) {
    const { f1 } = messageFigures(scored, t);
    if (f1 > bestF1) [bestF1, threshold] = [f1, Math.round(t * 100) / 100];
  }
  for (const category of ['PASSPORT', 'ID_CARD']) {
    const f = messageFigures(
      scored.filter((s) => s.e.category === category),
      threshold,
    );
    console.log(
      `${category}: one part left out at a time, threshold ${threshold}: P ${f.p.toFixed(3)} R ${f.r.toFixed(3)} F1 ${f.f1.toFixed(3)}`,
    );
  }
  const model = train(examples, index.size);
  const names = [...index.keys()];
  const weights: Record<string, number> = {};
  names
    .map((name, k) => [name, Math.round(model.weights[k]! * 1000) / 1000] as const)
    .filter(([, w]) => Math.abs(w) >= 0.01)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .forEach(([name, w]) => (weights[name] = w));
  const body = JSON.stringify({ bias: Math.round(model.bias * 1000) / 1000, threshold, weights }, null, 1);
  writeFileSync(
    OUT,
    `// Generated by scripts/train-document-model.ts (npm run train:documents): do not edit.\nimport type { DocumentModel } from './model.ts';\n\nexport const DOCUMENT_MODEL: DocumentModel = ${body};\n`,
  );
  console.log(`wrote ${path.relative(root, OUT)}: ${Object.keys(weights).length} weights`);
}

main();
