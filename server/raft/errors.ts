// Errors thrown by the raft core. Each has its own class so callers can tell
// "try again later" (a dropped proposal) from "your input was wrong".

/** A proposal (or read, or conf change) could not be accepted or forwarded. */
export class ProposalDroppedError extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(`raft proposal dropped: ${reason}`);
    this.name = "ProposalDroppedError";
    this.reason = reason;
  }
}

/** step() was handed a message type that only raft itself may generate (hup, beat, ...). */
export class StepLocalMessageError extends Error {
  constructor(type: string) {
    super(`raft: cannot step local message type "${type}"`);
    this.name = "StepLocalMessageError";
  }
}

/** step() was handed a response from a node that is not in the configuration. */
export class StepPeerNotFoundError extends Error {
  constructor(type: string, from: string) {
    super(`raft: cannot step "${type}" response from unknown peer "${from}"`);
    this.name = "StepPeerNotFoundError";
  }
}

/** A message (or conf change) is malformed: wrong field types, gaps in entries, misaddressed. */
export class InvalidMessageError extends Error {
  constructor(detail: string) {
    super(`raft: invalid message: ${detail}`);
    this.name = "InvalidMessageError";
  }
}

/** The requested index is older than the first entry still held (it was compacted into a snapshot). */
export class CompactedError extends Error {
  constructor(detail = "requested index is unavailable due to compaction") {
    super(`raft storage: ${detail}`);
    this.name = "CompactedError";
  }
}

/** The requested index is beyond the last entry held. */
export class UnavailableError extends Error {
  constructor(detail = "requested entry at index is unavailable") {
    super(`raft storage: ${detail}`);
    this.name = "UnavailableError";
  }
}

/** A snapshot older than the one already held was applied or created. */
export class SnapshotOutOfDateError extends Error {
  constructor(detail = "requested index is older than the existing snapshot") {
    super(`raft storage: ${detail}`);
    this.name = "SnapshotOutOfDateError";
  }
}

/**
 * Storage may throw this from snapshot() when a snapshot is being produced;
 * raft then simply tries again later.
 */
export class SnapshotTemporarilyUnavailableError extends Error {
  constructor() {
    super("raft storage: snapshot is temporarily unavailable");
    this.name = "SnapshotTemporarilyUnavailableError";
  }
}

/**
 * An internal invariant was violated: a bug in raft, corrupted storage or an
 * application that broke the Ready/advance contract. The node must stop.
 */
export class RaftInvariantError extends Error {
  constructor(detail: string) {
    super(`raft invariant violated: ${detail}`);
    this.name = "RaftInvariantError";
  }
}
