// Exit codes and the exception that carries one out of a command (etcdctl
// calls os.Exit deep inside its commands; we unwind to runCtl instead).

/** etcdctl v2's codes. */
export const ExitSuccess = 0;
export const ExitBadArgs = 1;
export const ExitBadConnection = 2;
export const ExitBadAuth = 3;
export const ExitServerError = 4;
export const ExitClusterNotHealthy = 5;

/** etcdctl v3's (cobrautl) codes that differ. */
export const V3ExitError = 1;
export const V3ExitBadArgs = 128;

/** urfave/cli's code for an unknown command or help topic. */
export const ExitNoHelpTopic = 3;

export class CtlExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export function exit(code: number): never {
  throw new CtlExit(code);
}
