// Shape checks for input that comes from outside the process: messages from
// peers and conf changes from clients. Rejecting garbage up front is what
// lets step() promise never to corrupt state on bad input.

import { InvalidMessageError } from "./errors.ts";
import type {
  ConfChange,
  Entry,
  Message,
  MessageType,
  Snapshot,
} from "./types.ts";

const MESSAGE_TYPES: ReadonlySet<string> = new Set<MessageType>([
  "hup",
  "beat",
  "prop",
  "app",
  "appResp",
  "vote",
  "voteResp",
  "preVote",
  "preVoteResp",
  "snap",
  "heartbeat",
  "heartbeatResp",
  "unreachable",
  "snapStatus",
  "checkQuorum",
  "transferLeader",
  "timeoutNow",
  "readIndex",
  "readIndexResp",
]);

const CONF_CHANGE_TYPES: ReadonlySet<string> = new Set([
  "addNode",
  "removeNode",
  "updateNode",
  "addLearner",
]);

/** Message types that carry no term because they are forwarded like local requests. */
const TERMLESS: ReadonlySet<string> = new Set(["prop", "readIndex"]);

function isIndex(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function checkOptionalIndex(m: Record<string, unknown>, field: string): void {
  const v = m[field];
  if (v !== undefined && !isIndex(v)) {
    throw new InvalidMessageError(`${field} must be a non-negative integer`);
  }
}

function checkEntry(e: unknown, i: number): asserts e is Entry {
  if (typeof e !== "object" || e === null) {
    throw new InvalidMessageError(`entries[${i}] is not an object`);
  }
  const r = e as Record<string, unknown>;
  if (!isIndex(r.term) || !isIndex(r.index)) {
    throw new InvalidMessageError(`entries[${i}] has a bad term or index`);
  }
  if (r.type !== "normal" && r.type !== "confChange") {
    throw new InvalidMessageError(`entries[${i}] has a bad type`);
  }
  if (typeof r.data !== "string") {
    throw new InvalidMessageError(`entries[${i}].data must be a string`);
  }
}

function checkSnapshot(s: unknown): asserts s is Snapshot {
  if (typeof s !== "object" || s === null) {
    throw new InvalidMessageError("snapshot is not an object");
  }
  const r = s as Record<string, unknown>;
  if (typeof r.data !== "string") {
    throw new InvalidMessageError("snapshot.data must be a string");
  }
  const md = r.metadata as Record<string, unknown> | null | undefined;
  if (typeof md !== "object" || md === null) {
    throw new InvalidMessageError("snapshot.metadata is missing");
  }
  if (!isIndex(md.index) || !isIndex(md.term)) {
    throw new InvalidMessageError("snapshot has a bad index or term");
  }
  const cs = md.confState as Record<string, unknown> | null | undefined;
  if (typeof cs !== "object" || cs === null) {
    throw new InvalidMessageError("snapshot.metadata.confState is missing");
  }
  const isIdList = (v: unknown) =>
    Array.isArray(v) && v.every((x) => typeof x === "string" && x !== "");
  if (!isIdList(cs.voters)) {
    throw new InvalidMessageError(
      "snapshot confState.voters must be a list of ids",
    );
  }
  if (cs.learners !== undefined && !isIdList(cs.learners)) {
    throw new InvalidMessageError(
      "snapshot confState.learners must be a list of ids",
    );
  }
}

/** Throws InvalidMessageError unless m is a well-formed message addressed to `self`. */
export function validateMessage(
  m: unknown,
  self: string,
): asserts m is Message {
  if (typeof m !== "object" || m === null) {
    throw new InvalidMessageError("not an object");
  }
  const r = m as Record<string, unknown>;
  if (typeof r.type !== "string" || !MESSAGE_TYPES.has(r.type)) {
    throw new InvalidMessageError(`unknown type ${JSON.stringify(r.type)}`);
  }
  if (typeof r.from !== "string" || typeof r.to !== "string") {
    throw new InvalidMessageError("from/to must be strings");
  }
  if (r.to !== self) {
    throw new InvalidMessageError(
      `addressed to ${JSON.stringify(r.to)}, not ${self}`,
    );
  }
  if (!isIndex(r.term)) {
    throw new InvalidMessageError("term must be a non-negative integer");
  }
  if (r.term === 0 && !TERMLESS.has(r.type)) {
    throw new InvalidMessageError(`${r.type} needs a term`);
  }
  if (r.from === "" && r.type !== "prop" && r.type !== "readIndex") {
    throw new InvalidMessageError("from is empty");
  }
  checkOptionalIndex(r, "logTerm");
  checkOptionalIndex(r, "index");
  checkOptionalIndex(r, "commit");
  checkOptionalIndex(r, "rejectHint");
  if (r.reject !== undefined && typeof r.reject !== "boolean") {
    throw new InvalidMessageError("reject must be a boolean");
  }
  if (r.context !== undefined && typeof r.context !== "string") {
    throw new InvalidMessageError("context must be a string");
  }
  if (r.entries !== undefined) {
    if (!Array.isArray(r.entries)) {
      throw new InvalidMessageError("entries must be an array");
    }
    r.entries.forEach(checkEntry);
  }
  if (r.snapshot !== undefined) checkSnapshot(r.snapshot);

  switch (r.type) {
    case "prop":
      if (!Array.isArray(r.entries) || r.entries.length === 0) {
        throw new InvalidMessageError("prop without entries");
      }
      break;
    case "app": {
      // Entries must continue the log right after (index, logTerm) with non-decreasing terms up to the message's term.
      if (!isIndex(r.index) || !isIndex(r.logTerm)) {
        throw new InvalidMessageError("app needs index and logTerm");
      }
      const ents = (r.entries ?? []) as Entry[];
      let prevTerm = r.logTerm;
      for (let i = 0; i < ents.length; i++) {
        const e = ents[i];
        if (e.index !== r.index + 1 + i) {
          throw new InvalidMessageError(
            `app entries[${i}] has index ${e.index}`,
          );
        }
        if (e.term < prevTerm || e.term > r.term) {
          throw new InvalidMessageError(`app entries[${i}] has term ${e.term}`);
        }
        prevTerm = e.term;
      }
      if (r.logTerm > r.term) {
        throw new InvalidMessageError("app logTerm is newer than its term");
      }
      break;
    }
    case "vote":
    case "preVote":
      if (!isIndex(r.index) || !isIndex(r.logTerm)) {
        throw new InvalidMessageError(`${r.type} needs index and logTerm`);
      }
      break;
    case "snap":
      if (r.snapshot === undefined) {
        throw new InvalidMessageError("snap without snapshot");
      }
      if ((r.snapshot as Snapshot).metadata.index === 0) {
        throw new InvalidMessageError("snap with an empty snapshot");
      }
      break;
    case "appResp":
      if (!isIndex(r.index) && r.index !== undefined) {
        throw new InvalidMessageError("appResp needs an index");
      }
      break;
  }
}

/** Throws InvalidMessageError unless cc is a well-formed conf change. */
export function validateConfChange(cc: unknown): asserts cc is ConfChange {
  if (typeof cc !== "object" || cc === null) {
    throw new InvalidMessageError("conf change is not an object");
  }
  const r = cc as Record<string, unknown>;
  if (typeof r.type !== "string" || !CONF_CHANGE_TYPES.has(r.type)) {
    throw new InvalidMessageError(
      `unknown conf change type ${JSON.stringify(r.type)}`,
    );
  }
  if (typeof r.nodeId !== "string" || r.nodeId === "") {
    throw new InvalidMessageError("conf change nodeId is empty");
  }
  if (typeof r.context !== "string") {
    throw new InvalidMessageError("conf change context must be a string");
  }
}
