// Durable storage: the write-ahead log and snapshot files. See README.md.

export { Wal } from "./wal.ts";
export { WalCorruptError, WalUsageError } from "./errors.ts";
export type { HardState, Recovered, SnapshotRecord, SnapshotToSave, TailRepair, WalEntry, WalOptions, WalStats } from "./types.ts";
export { Utf8Builder } from "./bytes.ts";
export { memberDir, snapDir, walDir } from "./layout.ts";
