// Settings from a TOML file laid out as etcd 0.2's: top-level keys (name,
// data_dir, addr, peers, ...) and a [peer] section (addr, bind_addr,
// ca_file, cert_file, key_file, heartbeat_timeout, election_timeout). The
// etcd 2.x settings are accepted as top-level snake_case keys
// (listen_client_urls, initial_cluster, heartbeat_interval, ...); dashes
// work in place of underscores. Unknown keys are errors.

import { parse, TomlError } from "smol-toml";
import { ConfigError } from "./errors.ts";
import { BY_TOML } from "./options.ts";
import { type Layer, parseTomlValue, RANK } from "./values.ts";

// Sections that hold settings; any other table is an unknown key.
const SECTIONS = new Set(["peer"]);

export function readConfigFile(
  path: string,
  readFile: (path: string) => string,
): Layer {
  let text: string;
  try {
    text = readFile(path);
  } catch (e) {
    throw new ConfigError(
      `cannot read config file ${JSON.stringify(path)}: ${
        reason(e)
      }; check --config-file/-config (or ETCD_CONFIG_FILE/ETCD_CONFIG)`,
    );
  }
  let doc: Record<string, unknown>;
  try {
    doc = parse(text);
  } catch (e) {
    const where = e instanceof TomlError
      ? ` at line ${e.line}, column ${e.column}`
      : "";
    const what = reason(e).replace(/^Invalid TOML document:\s*/, "");
    throw new ConfigError(
      `config file ${JSON.stringify(path)} is not valid TOML${where}: ${what}`,
    );
  }
  const layer: Layer = new Map();
  // Within the file, the first key listed for a setting wins if several
  // spellings are present; keys are visited in the table's order for that.
  const found = new Map<string, { key: string; raw: unknown }[]>();
  const visit = (key: string, raw: unknown) => {
    const spec = BY_TOML.get(key.replace(/-/g, "_"));
    if (!spec) {
      throw new ConfigError(
        `unknown key ${JSON.stringify(key)} in config file ${
          JSON.stringify(path)
        }: remove it or fix its spelling (run etcd --help for the settings)`,
      );
    }
    const list = found.get(spec.id) ?? [];
    list.push({ key, raw });
    found.set(spec.id, list);
  };
  for (const [key, raw] of Object.entries(doc)) {
    if (SECTIONS.has(key) && isTable(raw)) {
      for (const [sub, value] of Object.entries(raw)) {
        visit(`${key}.${sub}`, value);
      }
    } else {
      visit(key, raw);
    }
  }
  for (const [id, entries] of found) {
    const order = (k: string) =>
      [...BY_TOML.keys()].indexOf(k.replace(/-/g, "_"));
    entries.sort((a, b) => order(a.key) - order(b.key));
    const { key, raw } = entries[0];
    const spec = BY_TOML.get(key.replace(/-/g, "_"))!;
    const label = `${key} in config file ${JSON.stringify(path)}`;
    layer.set(id, {
      value: parseTomlValue(spec.kind, raw, label),
      source: { rank: RANK.file, label },
    });
  }
  return layer;
}

function isTable(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) &&
    !(v instanceof Date);
}

function reason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split("\n")[0].trim();
}
