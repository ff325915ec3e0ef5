import type { CanonicalMessage } from '../../core/message.ts';
import { maskPersonalData } from '../../core/mask.ts';
import { DeliveryBatchBuilder } from '../../store/delivery.ts';
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
  const batch = new DeliveryBatchBuilder();
  // category → messages with at least one finding of it, in the text or in the structured payloads
  const flaggedByCategory: Record<string, number> = {};
  let blocked = 0;
  for (const { message, findings } of classifyMessages(valid)) {
    const combined = combineWithExtra(message, findings);
    const decision = decideInbound(combined ? { ...message, text: combined.text } : message, combined?.findings ?? findings, policy);
    for (const category of decision.categories) flaggedByCategory[category] = (flaggedByCategory[category] ?? 0) + 1;
    if (decision.action === 'block') {
      blocked++;
      continue;
    }
    let deliveredText = decision.deliveredText;
    let delivered: CanonicalMessage = message;
    let redacted = decision.redacted;
    // the structured parts as received, where policy redacted them: kept with the original text for review
    const originalParts: { extra?: CanonicalMessage['extra']; service?: CanonicalMessage['service'] } = {};
    if (combined) {
      // the structured payloads were decided with the text: split the delivered copy back into its parts
      const [text = '', ...leaves] = deliveredText.split(SEPARATOR);
      const changed = combined.leaves.flatMap((leaf, i) => (leaves[i] !== undefined && leaves[i] !== leaf.value ? [{ path: leaf.path, value: leaves[i]! }] : []));
      deliveredText = text;
      if (changed.length > 0) {
        delivered = { ...delivered, extra: replaceLeaves(message.extra, changed) };
        originalParts.extra = message.extra;
      }
      redacted = deliveredText !== message.text || changed.length > 0;
    }
    if (deliveredText !== message.text && message.entities.length > 0) {
      // the delivered copy's entities point into the redacted text; the original's are kept for approval
      delivered = {
        ...delivered,
        entities: remapEntities(message.text, deliveredText, findings, message.entities),
        extra: { ...delivered.extra, originalEntities: message.entities },
      };
    }
    // a redacted service event must not keep in its structured part what its text lost ("X added +7 701 …")
    if (redacted && delivered.service) {
      const masked = withMaskedParticipants(delivered.service);
      if (masked !== delivered.service) {
        originalParts.service = message.service;
        delivered = { ...delivered, service: masked };
      }
    }
    const original = { text: message.text, ...originalParts };
    batch.add(delivered, { text: deliveredText, original, redacted, decision, findings: combined ? [...findings, ...combined.fieldFindings] : findings });
  }
  return {
    deliver: { agencyId: payload.agencyId, runId: payload.runId, seq: payload.seq, checkpoint: payload.checkpoint, ...batch.batch, blocked, failed: refused.length, flaggedByCategory },
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

/** The service event with its participants masked; the same object when there was nothing to mask. */
function withMaskedParticipants(service: NonNullable<CanonicalMessage['service']>): NonNullable<CanonicalMessage['service']> {
  const actor = service.actor ? maskPersonalData(service.actor) : service.actor;
  const members = service.members?.map(maskPersonalData);
  const changed = actor !== service.actor || members?.some((member, i) => member !== service.members![i]);
  return changed ? { ...service, ...(actor !== undefined ? { actor } : {}), ...(members ? { members } : {}) } : service;
}
