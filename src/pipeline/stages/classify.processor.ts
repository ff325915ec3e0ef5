import type { Finding } from '../../classifier/index.ts';
import type { CanonicalMessage } from '../../core/message.ts';
import { maskPersonalData } from '../../core/mask.ts';
import { DeliveryBatchBuilder } from '../../store/delivery.ts';
import { combineWithExtra, replaceLeaves, SEPARATOR } from './extra-fields.ts';
import { remapEntities } from './remap-entities.ts';
import type { BatchOrigin, ClassifyPayload, DeadLetterPayload, DeliverPayload } from '../queues.ts';
import { classifyMessages } from './classify.ts';
import { ingest, type Refused } from './ingest.ts';
import { decideInbound, type PolicyContext } from './policy.ts';

export interface ClassifyStageResult {
  deliver: DeliverPayload;
  deadLetters: DeadLetterPayload[];
}

/**
 * The pure core of the classify queue for one batch, fed as its messages arrive: ingest → classify → policy, one
 * message at a time, into the batch's delivery columns. No I/O. An importer classifying its own batches feeds it a
 * hundred messages at a time, so that each message's objects die young instead of waiting for the whole batch
 * (kept to its end, they outlived V8's young-generation collections and were collected in the old generation).
 */
export class ClassifyStage {
  private readonly batch = new DeliveryBatchBuilder();
  /** category → messages with at least one finding of it, in the text or in the structured payloads */
  private readonly flaggedByCategory: Record<string, number> = {};
  private blocked = 0;
  private readonly refused: Refused[] = [];

  constructor(private readonly policy: PolicyContext = {}) {}

  add(messages: readonly unknown[]): void {
    const { valid, refused } = ingest(messages);
    for (const r of refused) this.refused.push(r);
    for (const { message, findings } of classifyMessages(valid, this.policy.policy?.classifier))
      this.decide(message, findings);
  }

  /** The batch's delivery payload and dead letters; the stage is not to be fed after this. */
  finish(origin: BatchOrigin, now = new Date()): ClassifyStageResult {
    return {
      deliver: {
        ...origin,
        ...this.batch.batch,
        blocked: this.blocked,
        failed: this.refused.length,
        flaggedByCategory: this.flaggedByCategory,
      },
      deadLetters: this.refused.map((r) => ({
        agencyId: origin.agencyId,
        runId: origin.runId,
        stage: 'ingest' as const,
        reason: r.reason,
        message: r.message,
        failedAt: now.toISOString(),
      })),
    };
  }

  private decide(message: CanonicalMessage, findings: Finding[]): void {
    const combined = combineWithExtra(message, findings, this.policy.policy?.classifier);
    const decision = decideInbound(
      combined ? { ...message, text: combined.text } : message,
      combined?.findings ?? findings,
      this.policy,
    );
    for (const category of decision.categories)
      this.flaggedByCategory[category] = (this.flaggedByCategory[category] ?? 0) + 1;
    if (decision.action === 'block') {
      this.blocked++;
      return;
    }
    let deliveredText = decision.deliveredText;
    let delivered: CanonicalMessage = message;
    let redacted = decision.redacted;
    // the text and, where policy redacted them, the structured parts as received: kept for review
    const original: { text: string; extra?: CanonicalMessage['extra']; service?: CanonicalMessage['service'] } = {
      text: message.text,
    };
    if (combined) {
      // the structured payloads were decided with the text: split the delivered copy back into its parts
      const [text = '', ...leaves] = deliveredText.split(SEPARATOR);
      const changed = combined.leaves.flatMap((leaf, i) =>
        leaves[i] !== undefined && leaves[i] !== leaf.value ? [{ path: leaf.path, value: leaves[i]! }] : [],
      );
      deliveredText = text;
      if (changed.length > 0) {
        delivered = { ...delivered, extra: replaceLeaves(message.extra, changed) };
        original.extra = message.extra;
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
        original.service = message.service;
        delivered = { ...delivered, service: masked };
      }
    }
    this.batch.add(delivered, {
      text: deliveredText,
      original,
      redacted,
      decision,
      findings: combined ? [...findings, ...combined.fieldFindings] : findings,
    });
  }
}

/** The classify stage for a whole batch at once (the classify queue's jobs, a dry run, tests). */
export function runClassifyStage(
  payload: ClassifyPayload,
  policy: PolicyContext = {},
  now = new Date(),
): ClassifyStageResult {
  const stage = new ClassifyStage(policy);
  stage.add(payload.messages);
  const { agencyId, runId, seq, checkpoint } = payload;
  return stage.finish({ agencyId, runId, seq, checkpoint }, now);
}

/** The service event with its participants masked; the same object when there was nothing to mask. */
function withMaskedParticipants(
  service: NonNullable<CanonicalMessage['service']>,
): NonNullable<CanonicalMessage['service']> {
  const actor = service.actor ? maskPersonalData(service.actor) : service.actor;
  const members = service.members?.map(maskPersonalData);
  const changed = actor !== service.actor || members?.some((member, i) => member !== service.members![i]);
  return changed ? { ...service, ...(actor !== undefined ? { actor } : {}), ...(members ? { members } : {}) } : service;
}
