// Typed values of settings, where each came from, and how raw text or TOML
// values become them. Errors name the source exactly as the user wrote it.

import { ConfigError } from "./errors.ts";
import type { Kind } from "./options.ts";

export type Value = string | boolean | number | string[];

// Higher rank wins: flags > environment > file > defaults.
export const RANK = { default: 0, file: 1, env: 2, flag: 3 } as const;

export interface Source {
  rank: number;
  // How to name the setting in an error, e.g. "flag -snapshot-count",
  // "environment variable ETCD_NAME", "peer.addr in config file etcd.conf".
  label: string;
}

export interface Setting {
  value: Value;
  source: Source;
}

// All settings one source provided, by option id.
export type Layer = Map<string, Setting>;

export function invalid(
  shown: string,
  label: string,
  reason: string,
): ConfigError {
  return new ConfigError(`invalid value ${shown} for ${label}: ${reason}`);
}

// Go's strconv.ParseBool spellings.
const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

export function splitList(text: string): string[] {
  return text.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

// Parses the text of a flag or environment variable.
export function parseText(kind: Kind, text: string, label: string): Value {
  const shown = JSON.stringify(text);
  switch (kind) {
    case "string":
      return text;
    case "list":
      return splitList(text);
    case "bool":
      if (TRUE.has(text)) return true;
      if (FALSE.has(text)) return false;
      throw invalid(shown, label, "not a boolean (use true or false)");
    case "uint": {
      const t = text.trim();
      if (/^-\d+$/.test(t)) throw invalid(shown, label, "must not be negative");
      if (!/^\+?\d+$/.test(t)) throw invalid(shown, label, "not an integer");
      const n = Number(t);
      if (!Number.isSafeInteger(n)) throw invalid(shown, label, "too large");
      return n;
    }
    case "float": {
      const t = text.trim();
      const n = t === "" ? NaN : Number(t);
      if (!Number.isFinite(n)) throw invalid(shown, label, "not a number");
      if (n < 0) throw invalid(shown, label, "must not be negative");
      return n;
    }
  }
}

function describe(raw: unknown): string {
  if (typeof raw === "string") return JSON.stringify(raw);
  if (Array.isArray(raw)) return "[...]";
  if (raw !== null && typeof raw === "object") return "{...}";
  return String(raw);
}

// Checks and converts a value read from the TOML file. Lists may be given
// as arrays (etcd 0.2) or comma-separated strings (etcd 2.x style).
export function parseTomlValue(kind: Kind, raw: unknown, label: string): Value {
  const shown = describe(raw);
  switch (kind) {
    case "string":
      if (typeof raw === "string") return raw;
      throw invalid(shown, label, "expected a string in quotes");
    case "list":
      if (typeof raw === "string") return splitList(raw);
      if (Array.isArray(raw) && raw.every((x) => typeof x === "string")) {
        return raw.map((s: string) => s.trim()).filter((s) => s !== "");
      }
      throw invalid(
        shown,
        label,
        'expected an array of strings such as ["a", "b"]',
      );
    case "bool":
      if (typeof raw === "boolean") return raw;
      throw invalid(shown, label, "expected true or false (without quotes)");
    case "uint":
      if (typeof raw !== "number" && typeof raw !== "bigint") {
        throw invalid(shown, label, "expected an integer (without quotes)");
      }
      if (typeof raw === "bigint" || !Number.isSafeInteger(raw)) {
        throw invalid(
          shown,
          label,
          Number.isInteger(raw) ? "too large" : "not an integer",
        );
      }
      if (raw < 0) throw invalid(shown, label, "must not be negative");
      return raw;
    case "float":
      if (typeof raw !== "number" || !Number.isFinite(raw)) {
        throw invalid(shown, label, "expected a number (without quotes)");
      }
      if (raw < 0) throw invalid(shown, label, "must not be negative");
      return raw;
  }
}
