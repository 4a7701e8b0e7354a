// What a normal log entry carries. Every change to the keyspace is one of
// these, applied in log order on every replica. (Membership changes travel
// as raft conf changes instead.)

import type { V2Request } from "../store/apply.ts";

export type Command =
  & (
    /** A client's v2 keys request (or the leader's SYNC that expires keys). */
    | { t: "v2"; r: V2Request }
    /** A member's name and client URLs, announced by the member after it starts. */
    | { t: "publish"; id: string; name: string; clientURLs: string[] }
  )
  & {
    /** The proposer's request ID: the proposer answers its client when this entry applies. */
    i?: string;
  };

export function encodeCommand(c: Command): string {
  return JSON.stringify(c);
}

export function decodeCommand(data: string): Command {
  return JSON.parse(data) as Command;
}
