import { Command } from 'commander';
import { addTokenFileOptions, setVerbose } from './common.ts';
import { registerAgency } from './commands/agency.ts';
import { registerAudit } from './commands/audit.ts';
import { registerDb } from './commands/db.ts';
import { registerDoctor } from './commands/doctor.ts';
import { registerDlq } from './commands/dlq.ts';
import { registerImport } from './commands/import.ts';
import { registerKeys } from './commands/keys.ts';
import { registerMap } from './commands/map.ts';
import { registerOutbound } from './commands/outbound.ts';
import { registerPolicy } from './commands/policy.ts';
import { registerReport } from './commands/report.ts';
import { registerReview } from './commands/review.ts';
import { registerSend } from './commands/send.ts';
import { registerScan } from './commands/scan.ts';
import { registerStatus } from './commands/status.ts';
import { registerUser } from './commands/user.ts';
import { registerWorker } from './commands/worker.ts';
import { registerBridge } from './commands/bridge.ts';
import { registerClassifier } from './commands/classifier.ts';

const program = new Command()
  .name('aitu-gateway')
  .description('Migrate Telegram and WhatsApp history into the national messenger Aitu, keeping personal data in the country')
  .option('--verbose', 'print stack traces with errors')
  .showHelpAfterError('(run aitu-gateway --help for the list of commands)')
  .exitOverride((err) => {
    // commander's own usage errors (unknown option, missing argument) are bad usage: exit 2
    process.exit(err.exitCode === 0 ? 0 : 2);
  })
  .hook('preAction', (_program, command) => setVerbose(Boolean(command.optsWithGlobals().verbose)));

registerDoctor(program);
registerDb(program);
registerAgency(program);
registerScan(program);
registerImport(program);
registerWorker(program);
registerBridge(program);
registerStatus(program);
registerDlq(program);
registerMap(program);
registerPolicy(program);
registerSend(program);
registerOutbound(program);
registerUser(program);
registerReview(program);
registerReport(program);
registerClassifier(program);
registerKeys(program);
registerAudit(program);
addTokenFileOptions(program);

await program.parseAsync(process.argv);
