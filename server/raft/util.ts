// Small helpers shared by the log, storage and the state machine.

import type { Entry, MessageType } from "./types.ts";

/** The size raft budgets for an entry: the length of its data. */
export function entrySize(e: Entry): number {
  return e.data.length;
}

/**
 * The longest prefix of `ents` whose total data size stays within maxSize,
 * but always at least one entry so a large entry can still make progress.
 * maxSize <= 0 means one entry.
 */
export function limitSize(ents: Entry[], maxSize: number): Entry[] {
  if (ents.length <= 1 || maxSize === Infinity) return ents;
  if (maxSize <= 0) return ents.slice(0, 1);
  let size = entrySize(ents[0]);
  for (let i = 1; i < ents.length; i++) {
    size += entrySize(ents[i]);
    if (size > maxSize) return ents.slice(0, i);
  }
  return ents;
}

const LOCAL_TYPES: ReadonlySet<MessageType> = new Set<MessageType>([
  "hup",
  "beat",
  "unreachable",
  "snapStatus",
  "checkQuorum",
]);

const RESPONSE_TYPES: ReadonlySet<MessageType> = new Set<MessageType>([
  "appResp",
  "voteResp",
  "heartbeatResp",
  "unreachable",
  "preVoteResp",
]);

/** Messages raft generates for itself; they never arrive over the network. */
export function isLocalMessage(t: MessageType): boolean {
  return LOCAL_TYPES.has(t);
}

/** Responses are only meaningful from a node in the configuration. */
export function isResponseMessage(t: MessageType): boolean {
  return RESPONSE_TYPES.has(t);
}

/** The response type matching a vote request type. */
export function voteResponseType(
  t: "vote" | "preVote",
): "voteResp" | "preVoteResp" {
  return t === "vote" ? "voteResp" : "preVoteResp";
}

/** Appends all of `src` to `dst` without the argument-count limit of push(...src). */
export function pushAll<T>(dst: T[], src: readonly T[]): void {
  for (let i = 0; i < src.length; i++) dst.push(src[i]);
}
