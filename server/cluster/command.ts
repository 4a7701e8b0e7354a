// What a log entry carries. Every change to a member's state is one of these,
// applied in log order on every replica.

import type { V2Member } from "../../shared/api.ts";
import type { V2Request } from "../store/apply.ts";

export type Command =
  /** A client's v2 keys request (or the leader's SYNC that expires keys). */
  | { t: "v2"; r: V2Request }
  /** A membership change: the member list is rebuilt from these on replay. */
  | { t: "member"; op: "add" | "update" | "remove"; member: V2Member }
  /** A member's name and client URLs, announced by the member after it starts. */
  | { t: "publish"; id: string; name: string; clientURLs: string[] };

export function encodeCommand(c: Command): string {
  return JSON.stringify(c);
}

export function decodeCommand(data: string): Command {
  return JSON.parse(data) as Command;
}

/** The configuration-change context: the member being added or updated. */
export type MemberContext = V2Member;
