// Parses a /v2/keys request the way etcd's v2 HTTP handler does
// (parseKeyRequest): form values from body then query, Go's bool and uint
// syntax, and etcd's error codes for each bad field.

import { Code, EtcdError } from "../store/errors.ts";
import { cleanPath } from "../store/path.ts";
import { type Form, FormError, parseUrlEncoded, unescapePath } from "./form.ts";

export interface KeysRequest {
  method: string;
  key: string;
  value: string;
  hasValue: boolean;
  dir: boolean;
  prevValue: string;
  prevIndex: number;
  prevExist: boolean | undefined;
  waitIndex: number;
  recursive: boolean;
  sorted: boolean;
  wait: boolean;
  quorum: boolean;
  stream: boolean;
  refresh: boolean;
  noValueOnSuccess: boolean;
  /** Seconds; undefined when absent or empty ("no TTL"). */
  ttl: number | undefined;
}

export const KEYS_PREFIX = "/v2/keys";
/** Longest key we accept, in bytes of its decoded path. */
export const MAX_KEY_BYTES = 8192;

const bad = (code: number, cause: string) => new EtcdError(code, cause, 0);

function first(form: Form, name: string): string | undefined {
  return form.get(name)?.[0];
}

function getBool(form: Form, name: string, code: number = Code.InvalidField, cause?: string): boolean {
  const v = first(form, name);
  if (v === undefined) return false;
  switch (v) {
    case "1": case "t": case "T": case "true": case "TRUE": case "True":
      return true;
    case "0": case "f": case "F": case "false": case "FALSE": case "False":
      return false;
  }
  throw bad(code, cause ?? `invalid value for "${name}"`);
}

function getUint(form: Form, name: string, code: number, cause: string): number {
  const v = first(form, name);
  if (v === undefined) return 0;
  if (!/^[0-9]+$/.test(v)) throw bad(code, cause);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw bad(code, cause);
  return n;
}

export function parseKeysRequest(method: string, rawPath: string, query: string, body: string): KeysRequest {
  const form: Form = new Map();
  try {
    parseUrlEncoded(body, form);
    parseUrlEncoded(query, form);
  } catch (err) {
    if (err instanceof FormError) throw bad(Code.InvalidForm, err.message);
    throw err;
  }
  let key: string;
  try {
    key = cleanPath(unescapePath(rawPath.slice(KEYS_PREFIX.length)));
  } catch (err) {
    if (err instanceof FormError) throw bad(Code.InvalidForm, err.message);
    throw err;
  }
  if (key.length > MAX_KEY_BYTES) {
    throw bad(Code.InvalidField, `key is longer than ${MAX_KEY_BYTES} bytes`);
  }

  const prevIndex = getUint(form, "prevIndex", Code.IndexNaN, `invalid value for "prevIndex"`);
  const waitIndex = getUint(form, "waitIndex", Code.IndexNaN, `invalid value for "waitIndex"`);
  const recursive = getBool(form, "recursive");
  const sorted = getBool(form, "sorted");
  const wait = getBool(form, "wait");
  const dir = getBool(form, "dir");
  const quorum = getBool(form, "quorum") || getBool(form, "consistent");
  const stream = getBool(form, "stream");
  if (wait && method !== "GET") throw bad(Code.InvalidField, `"wait" can only be used with GET requests`);

  const prevValues = form.get("prevValue");
  const prevValue = prevValues?.[0] ?? "";
  if (prevValues && prevValue === "") throw bad(Code.PrevValueRequired, `"prevValue" cannot be empty`);

  const noValueOnSuccess = getBool(form, "noValueOnSuccess");

  let ttl: number | undefined;
  const ttlText = first(form, "ttl");
  if (ttlText !== undefined && ttlText.length > 0) {
    ttl = getUint(form, "ttl", Code.TTLNaN, `invalid value for "ttl"`);
  }

  let prevExist: boolean | undefined;
  if (form.has("prevExist")) prevExist = getBool(form, "prevExist", Code.InvalidField, "invalid value for prevExist");

  let refresh = false;
  if (form.has("refresh")) {
    refresh = getBool(form, "refresh", Code.InvalidField, "invalid value for refresh");
    if (refresh) {
      const v = first(form, "value");
      if (v !== undefined && v !== "") throw bad(Code.RefreshValue, "A value was provided on a refresh");
      if (ttl === undefined) throw bad(Code.RefreshTTLRequired, "No TTL value set");
    }
  }

  const values = form.get("value");
  return {
    method,
    key,
    value: values?.[0] ?? "",
    hasValue: values !== undefined,
    dir,
    prevValue,
    prevIndex,
    prevExist,
    waitIndex,
    recursive,
    sorted,
    wait,
    quorum,
    stream,
    refresh,
    noValueOnSuccess,
    ttl,
  };
}
