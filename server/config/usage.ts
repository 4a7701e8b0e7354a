// The --help text, generated from the option table so that it lists every
// accepted flag of both etcd generations.

import {
  envNames,
  ETCD2_FLAGS,
  type Group,
  GROUP_TITLES,
  OPTIONS,
  type OptionSpec,
  tomlKeys,
} from "./options.ts";

const INTRO = `Usage: etcd [flags]

Starts an etcd member. etcd 0.2 flags (-addr, -peers, ...) and etcd 2.x flags
(--listen-client-urls, --initial-cluster, ...) are both accepted, with Go's
flag syntax: -name x, -name=x, --name x and --name=x are the same; a boolean
flag is true when given alone and takes an explicit value only as -flag=false;
"--" ends the flags.

Each setting can also come from an environment variable: ETCD_ and the flag
name in upper case with "-" as "_" (ETCD_NAME, ETCD_LISTEN_CLIENT_URLS,
ETCD_PEER_ADDR, ...), plus etcd 0.2's own spellings (ETCD_SNAPSHOTCOUNT,
ETCD_VERBOSE). Empty variables are ignored. A TOML file given with -config or
--config-file uses etcd 0.2's layout: top-level keys (name, data_dir, addr,
peers, ...) and a [peer] section (addr, bind_addr, ca_file, cert_file,
key_file, heartbeat_timeout, election_timeout); etcd 2.x settings go at the
top level in snake_case (listen_client_urls, initial_cluster, ...).

Flags override environment variables, which override the file, which
overrides the defaults. When only etcd 0.2 addresses are given
(-addr 127.0.0.1:4001 -peer-addr 127.0.0.1:7001), the member listens and
advertises only there.`;

const WIDTH = 79;

// Greedy word wrap; every line starts with `indent`.
function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && indent.length + line.length + 1 + word.length > WIDTH) {
      lines.push(indent + line);
      line = "";
    }
    line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(indent + line);
  return lines;
}

export function dashed(flag: string): string {
  return (ETCD2_FLAGS.has(flag) ? "--" : "-") + flag;
}

function entry(spec: OptionSpec): string {
  const value = spec.kind === "bool" ? "" : `=<${spec.arg ?? "value"}>`;
  const lines = wrap(spec.flags.map((f) => dashed(f) + value).join(", "), "  ");
  const dflt = spec.defaultText ? ` Default: ${spec.defaultText}.` : "";
  lines.push(...wrap(spec.help + dflt, "      "));
  const env = envNames(spec);
  const toml = tomlKeys(spec);
  const where: string[] = [];
  if (env.length) where.push(`Env: ${env.join(", ")}.`);
  if (toml.length) where.push(`File: ${toml.join(", ")}.`);
  if (where.length) lines.push(...wrap(where.join(" "), "      "));
  return lines.join("\n");
}

function deprecatedSection(): string {
  const pairs = OPTIONS.flatMap((spec) =>
    (spec.deprecated ?? []).map((old) => `-${old} (${dashed(spec.flags[0])})`)
  );
  return [
    "Old etcd 0.1 spellings, still accepted:",
    ...wrap(pairs.join(", "), "  "),
  ].join("\n");
}

function buildUsage(): string {
  const sections: string[] = [INTRO];
  const groups = Object.keys(GROUP_TITLES) as Group[];
  for (const group of groups) {
    const specs = OPTIONS.filter((s) => s.group === group);
    if (specs.length === 0) continue;
    sections.push(`${GROUP_TITLES[group]}:\n${specs.map(entry).join("\n")}`);
  }
  sections.push(deprecatedSection());
  return sections.join("\n\n") + "\n";
}

export const usage: string = buildUsage();
