// Command-line flags with Go's flag package semantics (what urfave/cli, and
// so etcdctl v2, uses): "-x" and "--x" are the same, "-x=v" or "-x v" for
// values, "--" ends the flags, parsing stops at the first non-flag. The
// error texts are Go's, since etcdctl prints them.

import { parseGoDuration } from "./duration.ts";
import { NumError, parseGoBool, parseGoInt, quote } from "./strconv.ts";

export type FlagKind = "bool" | "string" | "int" | "duration";
export type FlagValue = boolean | string | number;

export interface FlagSpec {
  /** Names as urfave/cli lists them, long one first: ["output", "o"]. */
  names: string[];
  kind: FlagKind;
  usage: string;
  /** Initial value; bools start false, ints 0, strings "" unless given. Durations in ms. */
  value?: FlagValue;
  /** Accepted but left out of help (our additions for etcdctl v3 forms). */
  hidden?: boolean;
}

/** A usage error; `message` is the text Go's flag package returns. */
export class FlagError extends Error {}

export interface ParsedFlags {
  /** Value of every flag, by its first name. */
  values: Map<string, FlagValue>;
  /** First names of the flags that were set on the command line. */
  set: Set<string>;
  /** Positional arguments left after the flags. */
  args: string[];
}

function initial(spec: FlagSpec): FlagValue {
  if (spec.value !== undefined) return spec.value;
  return spec.kind === "bool" ? false : spec.kind === "string" ? "" : 0;
}

function convert(spec: FlagSpec, name: string, text: string): FlagValue {
  try {
    switch (spec.kind) {
      case "bool":
        return parseGoBool(text);
      case "int":
        return parseGoInt(text);
      case "duration":
        return parseGoDuration(text);
      case "string":
        return text;
    }
  } catch (err) {
    if (!(err instanceof NumError)) throw err;
    if (spec.kind === "bool") throw new FlagError(`invalid boolean value ${quote(text)} for -${name}: ${err.message}`);
    throw new FlagError(`invalid value ${quote(text)} for flag -${name}: ${err.message}`);
  }
}

/** flag.FlagSet.Parse over `args`. */
export function parseFlags(specs: FlagSpec[], args: string[]): ParsedFlags {
  const byName = new Map<string, FlagSpec>();
  for (const spec of specs) for (const n of spec.names) byName.set(n, spec);
  const values = new Map<string, FlagValue>(specs.map((s) => [s.names[0], initial(s)]));
  const set = new Set<string>();
  let rest = [...args];
  while (rest.length > 0) {
    const s = rest[0];
    if (s.length < 2 || s[0] !== "-") break;
    let minuses = 1;
    if (s[1] === "-") {
      minuses = 2;
      if (s.length === 2) {
        rest = rest.slice(1);
        break;
      }
    }
    let name = s.slice(minuses);
    if (name.length === 0 || name[0] === "-" || name[0] === "=") throw new FlagError(`bad flag syntax: ${s}`);
    rest = rest.slice(1);
    let value: string | undefined;
    const eq = name.indexOf("=");
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const spec = byName.get(name);
    if (!spec) throw new FlagError(`flag provided but not defined: -${name}`);
    if (spec.kind === "bool") {
      values.set(spec.names[0], value === undefined ? true : convert(spec, name, value));
    } else {
      if (value === undefined) {
        if (rest.length === 0) throw new FlagError(`flag needs an argument: -${name}`);
        value = rest[0];
        rest = rest.slice(1);
      }
      values.set(spec.names[0], convert(spec, name, value));
    }
    set.add(spec.names[0]);
  }
  return { values, set, args: rest };
}

/**
 * urfave/cli's reordering of a command's arguments before parsing: its own
 * flags (and the word after a flag without "=") move to the front, the rest
 * keeps its order, and a "--" moves to the start of the rest with everything
 * after it. This is why `get k --sort` works and `set k1 v1 --ttl` does not.
 */
export function reorderArgs(specs: FlagSpec[], args: string[]): string[] {
  const isFlag = (arg: string): boolean => {
    if (arg === "-" || arg === "--" || !arg.startsWith("-")) return false;
    const name = arg.replace(/^--?/, "").split("=")[0];
    return specs.some((s) => s.names.includes(name));
  };
  const reordered: string[] = [];
  let remaining: string[] = [];
  let valueMayFollow = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (valueMayFollow && !isFlag(arg)) {
      valueMayFollow = false;
      reordered.push(arg);
    } else if (arg === "--") {
      remaining = ["--", ...remaining, ...args.slice(i + 1)];
      break;
    } else if (isFlag(arg)) {
      reordered.push(arg);
      valueMayFollow = !arg.includes("=");
    } else {
      remaining.push(arg);
    }
  }
  return [...reordered, ...remaining];
}
