import { toWire } from '../../core/message.ts';
import { combineWithExtra, replaceLeaves, SEPARATOR } from './extra-fields.ts';
import { remapEntities } from './remap-entities.ts';
import type { ClassifyPayload, DeadLetterPayload, DeliverPayload } from '../queues.ts';
import { classifyMessages } from './classify.ts';
import { ingest } from './ingest.ts';
import { decideInbound, type PolicyContext } from './policy.ts';

export interface ClassifyStageResult {
  deliver: DeliverPayload;
  deadLetters: DeadLetterPayload[];
}

/** The pure core of the classify queue: ingest → classify → policy for one batch. No I/O. */
export function runClassifyStage(payload: ClassifyPayload, policy: PolicyContext = {}, now = new Date()): ClassifyStageResult {
  const { valid, refused } = ingest(payload.messages);
  const classified = classifyMessages(valid);
  const origin = { agencyId: payload.agencyId, runId: payload.runId, seq: payload.seq, checkpoint: payload.checkpoint };
  // category → messages with at least one finding of it, in the text or in the structured payloads
  const flaggedByCategory: Record<string, number> = {};
  const items = classified.map(({ message, findings }) => {
    const combined = combineWithExtra(message, findings);
    let { deliveredText, reasons, ...decision } = decideInbound(combined ? { ...message, text: combined.text } : message, combined?.findings ?? findings, policy);
    const wire = toWire(message);
    if (combined) {
      // the structured payloads were decided with the text: split the delivered copy back into its parts
      const [text = '', ...leaves] = deliveredText.split(SEPARATOR);
      const changed = combined.leaves.flatMap((leaf, i) => (leaves[i] !== undefined && leaves[i] !== leaf.value ? [{ path: leaf.path, value: leaves[i]! }] : []));
      deliveredText = text;
      if (changed.length > 0) wire.extra = replaceLeaves(message.extra, changed);
      decision.redacted = deliveredText !== message.text || changed.length > 0;
    }
    for (const category of decision.categories) flaggedByCategory[category] = (flaggedByCategory[category] ?? 0) + 1;
    if (deliveredText !== message.text && message.entities.length > 0) {
      // the delivered copy's entities point into the redacted text; the original's are kept for approval
      wire.entities = remapEntities(message.text, deliveredText, findings, message.entities);
      wire.extra = { ...(wire.extra ?? message.extra), originalEntities: message.entities };
    }
    return {
      message: wire,
      findings: combined ? [...findings, ...combined.fieldFindings] : findings,
      decision: {
        ...decision,
        ...(deliveredText !== message.text ? { deliveredText } : {}),
        ...(reasons.length > 0 ? { reasons } : {}),
      },
    };
  });
  return {
    deliver: {
      ...origin,
      items,
      failed: refused.length,
      flaggedByCategory,
    },
    deadLetters: refused.map((r) => ({
      agencyId: payload.agencyId,
      runId: payload.runId,
      stage: 'ingest' as const,
      reason: r.reason,
      message: r.message,
      failedAt: now.toISOString(),
    })),
  };
}
