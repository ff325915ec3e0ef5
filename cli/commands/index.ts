import type { Command } from 'commander';

/** Registers one top-level command (and its subcommands) on the program. */
export type Register = (program: Command) => void;

export interface CommandEntry {
  name: string;
  /** the line `aitu-gateway --help` shows; the same as the command module's own (a test checks) */
  description: string;
  /** the module that defines it, loaded only when the command runs (or its own help is asked for) */
  load: () => Promise<Register>;
}

/**
 * Every command, in help order. `aitu-gateway --help` and `--version` load none of them; running a command loads
 * its module alone, so `scan` never pays for Prisma, BullMQ or the bridges.
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'doctor',
    description:
      'check Node, Redis, PostgreSQL, migrations, the data directory and the key files; say how to fix problems',
    load: async () => (await import('./doctor.ts')).registerDoctor,
  },
  {
    name: 'db',
    description: 'the national store: create the database and apply migrations',
    load: async () => (await import('./db.ts')).registerDb,
  },
  {
    name: 'agency',
    description: 'agencies: every import, chat and review item belongs to one',
    load: async () => (await import('./agency.ts')).registerAgency,
  },
  {
    name: 'scan',
    description:
      'find personal data (IIN, BIN, PHONE, EMAIL, CARD, IBAN, PASSPORT, ID_CARD, HEALTH) in text and show it redacted; needs no service',
    load: async () => (await import('./scan.ts')).registerScan,
  },
  {
    name: 'import',
    description: 'bring chat history into the national store (resumable import runs)',
    load: async () => (await import('./import.ts')).registerImport,
  },
  {
    name: 'worker',
    description: 'run pipeline workers; start more on any machine against the same Redis and PostgreSQL to scale',
    load: async () => (await import('./worker.ts')).registerWorker,
  },
  {
    name: 'serve',
    description: "the officers' web console and its JSON API (review, reports, audit, operations)",
    load: async () => (await import('./serve.ts')).registerServe,
  },
  {
    name: 'bridge',
    description: 'run a live bridge: foreign chats into the national store as they are written, allowed replies out',
    load: async () => (await import('./bridge.ts')).registerBridge,
  },
  {
    name: 'status',
    description:
      'queue depths, messages per stage over the last minute, failures, dead letters, live connectors, and sends a person must check',
    load: async () => (await import('./status.ts')).registerStatus,
  },
  {
    name: 'dlq',
    description: 'dead letters: messages that kept failing, with their reason',
    load: async () => (await import('./dlq.ts')).registerDlq,
  },
  {
    name: 'map',
    description: 'link foreign chats to national chats (history and live land together; operator, admin)',
    load: async () => (await import('./map.ts')).registerMap,
  },
  {
    name: 'policy',
    description: "agencies' compliance policies",
    load: async () => (await import('./policy.ts')).registerPolicy,
  },
  {
    name: 'send',
    description: 'send from the national side to a foreign chat through the outbound gate (operator, admin)',
    load: async () => (await import('./send.ts')).registerSend,
  },
  {
    name: 'outbound',
    description: 'outbound attempts a person must check (aitu-gateway status lists them)',
    load: async () => (await import('./outbound.ts')).registerOutbound,
  },
  {
    name: 'user',
    description: 'people who review, audit, operate and administer; each has a role and a token',
    load: async () => (await import('./user.ts')).registerUser,
  },
  {
    name: 'review',
    description: "officers' queue of quarantined messages: list, show, decide, escalate",
    load: async () => (await import('./review.ts')).registerReview,
  },
  {
    name: 'report',
    description:
      "an agency's compliance figures for its auditors: imports, findings, quarantine, decisions, escalations, blocked sends",
    load: async () => (await import('./report.ts')).registerReport,
  },
  {
    name: 'classifier',
    description: 'the personal-data classifier: how it fares in review',
    load: async () => (await import('./classifier.ts')).registerClassifier,
  },
  {
    name: 'subject',
    description: "data subjects' rights: find, export and erase what is held about a person (officer, admin)",
    load: async () => (await import('./subject.ts')).registerSubject,
  },
  {
    name: 'hold',
    description: 'legal holds: retention is suspended for a chat or a subject while one is in force (admin, audited)',
    load: async () => (await import('./hold.ts')).registerHold,
  },
  {
    name: 'retention',
    description: "enforce agencies' retention now (the worker also runs it daily; admin, audited with counts)",
    load: async () => (await import('./retention.ts')).registerRetention,
  },
  {
    name: 'keys',
    description: 'data keys of the encrypted originals (admin); the key file never enters the database',
    load: async () => (await import('./keys.ts')).registerKeys,
  },
  {
    name: 'audit',
    description: 'the append-only, hash-chained audit log (auditors and admins)',
    load: async () => (await import('./audit.ts')).registerAudit,
  },
];
