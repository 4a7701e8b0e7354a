// The raft consensus core: a deterministic state machine driven through
// RawNode (tick/step/propose -> Ready -> advance). See raw_node.ts.

export * from "./types.ts";
export * from "./errors.ts";
export { seededRandom } from "./rand.ts";
export { MemoryStorage, type Storage } from "./storage.ts";
export { type RaftConfig } from "./raft.ts";
export { decodeConfChange, encodeConfChange, RawNode } from "./raw_node.ts";
