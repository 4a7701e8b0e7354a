// Plain data types shared by every part of the raft core. Everything here is
// JSON-serializable: messages, entries and snapshots travel between processes
// as JSON and land in the write-ahead log unchanged.

/** A member ID: a 64-bit value written as lower-case hex, e.g. "8e9e05c52164694d". */
export type NodeId = string;

/** The empty NodeId: "no vote", "no leader". */
export const NONE: NodeId = "";

export type EntryType = "normal" | "confChange";

/**
 * One log entry. `data` is opaque to raft: the JSON of a command, or of a
 * ConfChange for "confChange" entries. A new leader appends an empty-data
 * normal entry. Entries are never mutated after creation, so they may be
 * shared between the log, messages and storage.
 */
export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: string;
}

/** What must be durable before any message of the same Ready is sent. vote "" = none. */
export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

export interface ConfState {
  voters: NodeId[];
  learners?: NodeId[];
}

export interface SnapshotMetadata {
  index: number;
  term: number;
  confState: ConfState;
}

export interface Snapshot {
  metadata: SnapshotMetadata;
  data: string;
}

export type ConfChangeType =
  | "addNode"
  | "removeNode"
  | "updateNode"
  | "addLearner";

/** context is opaque to raft (e.g. the JSON of the member's URLs). */
export interface ConfChange {
  type: ConfChangeType;
  nodeId: NodeId;
  context: string;
}

export type MessageType =
  | "hup"
  | "beat"
  | "prop"
  | "app"
  | "appResp"
  | "vote"
  | "voteResp"
  | "preVote"
  | "preVoteResp"
  | "snap"
  | "heartbeat"
  | "heartbeatResp"
  | "unreachable"
  | "snapStatus"
  | "checkQuorum"
  | "transferLeader"
  | "timeoutNow"
  | "readIndex"
  | "readIndexResp";

/**
 * A raft message. Optional fields are omitted when unused. `context` carries
 * the read-index request context (readIndex, readIndexResp, heartbeat,
 * heartbeatResp) and the "transfer" marker of a vote forced by a leadership
 * transfer.
 */
export interface Message {
  type: MessageType;
  to: NodeId;
  from: NodeId;
  term: number;
  logTerm?: number;
  index?: number;
  entries?: Entry[];
  commit?: number;
  snapshot?: Snapshot;
  reject?: boolean;
  rejectHint?: number;
  context?: string;
}

export type StateType = "follower" | "candidate" | "preCandidate" | "leader";

/** Volatile state, useful for logging and for finding the leader. */
export interface SoftState {
  leader: NodeId;
  state: StateType;
}

/**
 * The answer to a readIndex request: once the application has applied up to
 * `index`, a read served from its state machine is linearizable.
 */
export interface ReadState {
  index: number;
  requestCtx: string;
}

/**
 * Everything the application must do after a batch of inputs. Order:
 * persist snapshot, entries and hardState (fsync if mustSync); then send
 * messages; then apply snapshot and committedEntries; then call advance().
 */
export interface Ready {
  /** Only when changed. */
  softState?: SoftState;
  /** Only when changed; must be persisted before messages are sent. */
  hardState?: HardState;
  /** To append to stable storage before sending messages. */
  entries: Entry[];
  /** To persist and to apply to the state machine. */
  snapshot?: Snapshot;
  /** To apply to the state machine, in order (already in stable storage or in `entries`). */
  committedEntries: Entry[];
  /** To send after persisting the above. */
  messages: Message[];
  readStates: ReadState[];
  /** Whether the persisted writes must be fsynced before messages go out. */
  mustSync: boolean;
}

export interface RaftLogger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
}

export type ProgressStateType = "probe" | "replicate" | "snapshot";

export interface ProgressStatus {
  match: number;
  next: number;
  state: ProgressStateType;
}

export interface Status {
  id: NodeId;
  hardState: HardState;
  softState: SoftState;
  applied: number;
  /** Only on the leader: what it knows about every member's log. */
  progress?: Record<NodeId, ProgressStatus>;
  /** The configuration raft currently uses (as applied so far). */
  config: ConfState;
}

export const EMPTY_HARD_STATE: Readonly<HardState> = Object.freeze({
  term: 0,
  vote: NONE,
  commit: 0,
});

export function isEmptyHardState(hs: HardState): boolean {
  return hs.term === 0 && hs.vote === NONE && hs.commit === 0;
}

export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

export function isEmptySnapshot(s: Snapshot | undefined): boolean {
  return s === undefined || s.metadata.index === 0;
}
