// Reading a module request: the lock name from the path, and form values
// from the body (urlencoded PUT/POST/DELETE) before the query string, as
// Go's FormValue does. Bad values get etcd's 2xx error codes, with the
// operation as the cause, as etcd 0.2's modules reported them.

import { readBody } from "../http/body.ts";
import {
  type Form,
  FormError,
  parseUrlEncoded,
  unescapePath,
} from "../http/form.ts";
import { Code, EtcdError } from "../store/errors.ts";
import { cleanPath } from "../store/path.ts";

export interface ModuleRequest {
  /** The lock (or leader key) name as a clean path: "/customer1". "/" when none was given. */
  name: string;
  form: Form;
}

/** Longest TTL accepted, in seconds (about 31 years): keeps expiry times valid dates. */
export const MAX_TTL = 1_000_000_000;

export async function readModuleRequest(
  req: Request,
  prefix: string,
  maxBodyBytes: number,
): Promise<ModuleRequest> {
  const url = new URL(req.url);
  const form: Form = new Map();
  try {
    if (["PUT", "POST", "DELETE"].includes(req.method) && isFormBody(req)) {
      parseUrlEncoded(await readBody(req, maxBodyBytes), form);
    }
    parseUrlEncoded(url.search.slice(1), form);
    const rawName = url.pathname.slice(prefix.length);
    return { name: cleanPath(unescapePath(rawName)), form };
  } catch (err) {
    if (err instanceof FormError) {
      throw new EtcdError(Code.InvalidForm, err.message);
    }
    throw err;
  }
}

function isFormBody(req: Request): boolean {
  const ct = req.headers.get("content-type");
  // As the keys API: a body without a Content-Type is read as a form too.
  return ct === null ||
    ct.split(";")[0].trim().toLowerCase() ===
      "application/x-www-form-urlencoded";
}

/** The first value of a field; "" when absent (Go's FormValue). */
export function value(form: Form, name: string): string {
  return form.get(name)?.[0] ?? "";
}

export function has(form: Form, name: string): boolean {
  return form.has(name);
}

/** A lease in whole seconds, at least 1. Missing or anything else is 202. */
export function ttlOf(form: Form, op: string): number {
  const text = value(form, "ttl");
  const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= MAX_TTL)) throw new EtcdError(Code.TTLNaN, op);
  return n;
}

/**
 * How long an acquire may wait, in seconds: undefined = forever (absent or
 * negative, as in etcd), 0 = only if the lock is free at once.
 */
export function timeoutOf(form: Form, op: string): number | undefined {
  const text = value(form, "timeout");
  if (text === "") return undefined;
  if (!/^-?[0-9]+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new EtcdError(Code.TimeoutNaN, op);
  }
  const n = Number(text);
  return n < 0 ? undefined : n;
}

/** Which queue entry a renew or release is about: by index or by value, exactly one of them. */
export type EntrySelector = { index: number } | { value: string };

export function selectorOf(form: Form, op: string): EntrySelector {
  const index = value(form, "index");
  const val = value(form, "value");
  if (index === "" && val === "") {
    throw new EtcdError(Code.IndexOrValueRequired, op);
  }
  if (index !== "" && val !== "") throw new EtcdError(Code.IndexValueMutex, op);
  if (val !== "") return { value: val };
  if (
    !/^[0-9]+$/.test(index) || !Number.isSafeInteger(Number(index)) ||
    Number(index) === 0
  ) {
    throw new EtcdError(Code.IndexNaN, op);
  }
  return { index: Number(index) };
}
