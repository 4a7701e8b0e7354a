// Small file-system helpers on node:fs/promises (runs on Deno and Node).

import * as fsp from "node:fs/promises";
import * as path from "node:path";

type FileHandle = fsp.FileHandle;

/** Writes all of `bytes` (a single write() may be short). */
export async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.length - done);
    if (bytesWritten <= 0) throw new Error("write made no progress");
    done += bytesWritten;
  }
}

/** fsyncs a directory so renames, creations and deletions in it are durable. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Replaces `file` atomically: write `file`.tmp, fsync it, rename over
 * `file`, fsync the directory. A crash leaves either the old file or the
 * whole new one (plus perhaps a stray .tmp to clean up).
 */
export async function writeFileAtomic(file: string, bytes: Uint8Array, sync: boolean): Promise<void> {
  const tmp = file + ".tmp";
  const fh = await fsp.open(tmp, "w");
  try {
    await writeAll(fh, bytes);
    if (sync) await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, file);
  if (sync) await syncDir(path.dirname(file));
}

export async function pathExists(p: string): Promise<boolean> {
  try {
    await fsp.stat(p);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

export function isNotFound(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: string }).code === "ENOENT";
}

/** Entries of `dir`, or [] when it does not exist. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir);
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

/** Removes stray "*.tmp" files left by a crash in the middle of writeFileAtomic. */
export async function removeTempFiles(dir: string): Promise<void> {
  for (const name of await listDir(dir)) {
    if (name.endsWith(".tmp")) await fsp.rm(path.join(dir, name), { force: true, recursive: true });
  }
}

/** 16 lower-case hex digits, the way etcd names its files. */
export function hex16(n: number): string {
  return n.toString(16).padStart(16, "0");
}
