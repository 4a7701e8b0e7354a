// Shared helpers for the configuration tests: a loader over an in-memory
// file system, and an assertion for ConfigError messages.

import assert from "node:assert/strict";
import {
  type Config,
  ConfigError,
  loadConfig,
} from "../../server/config/load.ts";

export type Files = Record<string, string>;
export type Env = Record<string, string | undefined>;

export function readerOf(files: Files): (path: string) => string {
  return (path: string) => {
    if (Object.hasOwn(files, path)) return files[path];
    throw new Error(`ENOENT: no such file or directory, open '${path}'`);
  };
}

// Splits a shell-like command line on whitespace, dropping a leading
// "./etcd", "etcd" or "$ etcd".
export function argsOf(line: string): string[] {
  const words = line.trim().split(/\s+/).filter((w) => w !== "" && w !== "\\");
  while (
    words.length &&
    /^(\$|\.\/etcd|etcd|\/usr\/local\/bin\/etcd)$/.test(words[0])
  ) words.shift();
  return words;
}

export function load(
  argv: string[] | string,
  env: Env = {},
  files: Files = {},
): Config {
  return loadConfig(
    typeof argv === "string" ? argsOf(argv) : argv,
    env,
    readerOf(files),
  );
}

// Asserts that loading fails with exactly `message`, on one line.
export function assertConfigError(
  argv: string[] | string,
  message: string | RegExp,
  env: Env = {},
  files: Files = {},
): void {
  let thrown: unknown;
  try {
    load(argv, env, files);
  } catch (e) {
    thrown = e;
  }
  assert.ok(
    thrown instanceof ConfigError,
    `expected a ConfigError, got ${thrown === undefined ? "success" : thrown}`,
  );
  assert.ok(
    !thrown.message.includes("\n"),
    `message spans lines: ${thrown.message}`,
  );
  if (typeof message === "string") assert.equal(thrown.message, message);
  else assert.match(thrown.message, message);
}

export function hrefs(urls: URL[]): string[] {
  return urls.map((u) => u.href);
}
