// Addresses: etcd 2.x URLs ("http://host:port") and etcd 0.2 host:port
// pairs, checked the way etcd checks them (http or https, a host, an
// explicit port, no path) and written back in one canonical form.

import { ConfigError } from "./errors.ts";

export type Scheme = "http" | "https";

export interface Endpoint {
  scheme: Scheme;
  host: string; // IPv6 addresses keep their brackets: "[::1]"
  port: number;
}

const HOST = String.raw`(\[[0-9A-Fa-f:.]+(?:%[\w.~-]+)?\]|[A-Za-z0-9_.~%-]+)`;
const URL_RE = new RegExp(
  String.raw`^([A-Za-z][A-Za-z0-9+.-]*)://${HOST}(?::(\d*))?(/.*)?$`,
);
const HOST_PORT_RE = new RegExp(String.raw`^${HOST}:(\d+)$`);

function portOf(text: string, shown: string, label: string): number {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port > 65535) {
    throw new ConfigError(
      `invalid port in ${shown} for ${label}: use a number from 0 to 65535`,
    );
  }
  return port;
}

// Parses "scheme://host:port" (a trailing "/" is tolerated). `label` names
// the setting for the error message, e.g. "flag --listen-client-urls".
export function parseUrl(s: string, label: string): Endpoint {
  const text = s.trim();
  const shown = JSON.stringify(text);
  const m = URL_RE.exec(text);
  if (!m) {
    throw new ConfigError(
      `invalid URL ${shown} for ${label}: write it as http://host:port or https://host:port`,
    );
  }
  const [, scheme, host, port, path] = m;
  const lower = scheme.toLowerCase();
  if (lower !== "http" && lower !== "https") {
    throw new ConfigError(
      `invalid URL ${shown} for ${label}: the scheme must be http or https, not ${scheme}`,
    );
  }
  if (port === undefined || port === "") {
    throw new ConfigError(
      `invalid URL ${shown} for ${label}: it needs a port, as in ${lower}://${host}:2379`,
    );
  }
  if (path !== undefined && path !== "/") {
    throw new ConfigError(
      `invalid URL ${shown} for ${label}: it must not contain a path; use ${lower}://${host}:${port}`,
    );
  }
  return { scheme: lower, host, port: portOf(port, shown, label) };
}

// Parses an etcd 0.2 address: "host:port", or a full URL. A bare
// host:port gets defaultScheme.
export function parseHostPortOrUrl(
  s: string,
  defaultScheme: Scheme,
  label = "address",
): Endpoint {
  const text = s.trim();
  if (text.includes("://")) return parseUrl(text, label);
  const m = HOST_PORT_RE.exec(text);
  if (!m) {
    throw new ConfigError(
      `invalid address ${
        JSON.stringify(text)
      } for ${label}: write it as host:port, e.g. 127.0.0.1:4001, or as a URL`,
    );
  }
  return {
    scheme: defaultScheme,
    host: m[1],
    port: portOf(m[2], JSON.stringify(text), label),
  };
}

// Parses an etcd 0.2 bind address: a host with an optional port. A bare
// IPv6 address ("::") is accepted without brackets.
export function parseBindAddr(
  s: string,
  label: string,
): { host: string; port?: number } {
  const text = s.trim();
  if (text.includes("://")) return parseUrl(text, label);
  const hp = HOST_PORT_RE.exec(text);
  if (hp) {
    return { host: hp[1], port: portOf(hp[2], JSON.stringify(text), label) };
  }
  if (new RegExp(`^${HOST}$`).test(text)) return { host: text };
  if (/^[0-9A-Fa-f:.]+$/.test(text) && text.includes(":")) {
    return { host: `[${text}]` };
  }
  throw new ConfigError(
    `invalid address ${
      JSON.stringify(text)
    } for ${label}: write a host or host:port, e.g. 0.0.0.0 or 0.0.0.0:4001`,
  );
}

export function formatEndpoint(e: Endpoint): string {
  return `${e.scheme}://${e.host}:${e.port}`;
}

export function toURL(e: Endpoint, label = "address"): URL {
  try {
    return new URL(formatEndpoint(e));
  } catch {
    throw new ConfigError(
      `invalid URL ${
        JSON.stringify(formatEndpoint(e))
      } for ${label}: check the host name`,
    );
  }
}

// The port of a URL; URL.port is "" when it equals the scheme's default.
export function urlPort(u: URL): number {
  if (u.port !== "") return Number(u.port);
  return u.protocol === "https:" ? 443 : 80;
}

// The host of a URL without IPv6 brackets, as listen() wants it.
export function urlHost(u: URL): string {
  return u.hostname.replace(/^\[(.*)\]$/, "$1");
}

// True for hosts that mean "every interface"; they cannot be advertised.
export function isUnspecifiedHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, "$1");
  return h === "0.0.0.0" || (/^[0:]+$/.test(h) && h.includes(":"));
}
