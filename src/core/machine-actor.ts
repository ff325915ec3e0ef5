import { hostname, userInfo } from 'node:os';

/**
 * The installation's configuration as an actor. Imports and workers (and the bridges to come) run without a token,
 * as the OS user that started them, so their audit entries name that user and the host: `os:<user>@<host>`.
 */
export interface MachineActor {
  name: string;
}

let cached: MachineActor | undefined;

export function machineActor(): MachineActor {
  cached ??= { name: `os:${osUserName()}@${hostname()}` };
  return cached;
}

function osUserName(): string {
  try {
    return userInfo().username;
  } catch {
    // a uid without a passwd entry (containers): the uid is still accountable
    return `uid${process.getuid?.() ?? '?'}`;
  }
}
