// Errors the storage layer raises. WalCorruptError means the files on disk
// cannot be trusted as they are; a human must decide what to do.

/** The WAL or a snapshot file on disk is damaged in a way recovery must not guess about. */
export class WalCorruptError extends Error {
  readonly file: string;
  readonly offset: number;

  constructor(file: string, offset: number, problem: string) {
    super(
      `${file}: ${problem} at byte offset ${offset}; refusing to start with a damaged log ` +
        `(restore this member's data dir from a backup, or remove it and re-add the member to the cluster)`,
    );
    this.name = "WalCorruptError";
    this.file = file;
    this.offset = offset;
  }
}

/** Misuse of the WAL API (bad arguments, wrong state). Nothing on disk is wrong. */
export class WalUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WalUsageError";
  }
}
