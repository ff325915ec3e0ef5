import type { Command } from 'commander';

// placeholder until the classifier lands (issue 3)
export function registerScan(_program: Command): void {}
