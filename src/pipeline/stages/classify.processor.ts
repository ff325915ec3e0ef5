import { toWire } from '../../core/message.ts';
import { remapEntities } from './remap-entities.ts';
import type { ClassifyPayload, DeadLetterPayload, DeliverPayload } from '../queues.ts';
import { classifyMessages, countFlagged } from './classify.ts';
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
  return {
    deliver: {
      ...origin,
      items: classified.map(({ message, findings }) => {
        const { deliveredText, reasons, ...decision } = decideInbound(message, findings, policy);
        const wire = toWire(message);
        if (deliveredText !== message.text && message.entities.length > 0) {
          // the delivered copy's entities point into the redacted text; the original's are kept for approval
          wire.entities = remapEntities(message.text, deliveredText, findings, message.entities);
          wire.extra = { ...message.extra, originalEntities: message.entities };
        }
        return {
          message: wire,
          findings,
          decision: {
            ...decision,
            ...(deliveredText !== message.text ? { deliveredText } : {}),
            ...(reasons.length > 0 ? { reasons } : {}),
          },
        };
      }),
      failed: refused.length,
      flaggedByCategory: countFlagged(classified),
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
