// The --initial-cluster syntax: "a=http://x:2380,b=http://y:2380". A name
// may appear more than once to give that member several peer URLs.

import { ConfigError } from "./errors.ts";
import { formatEndpoint, parseUrl } from "./urls.ts";

export interface ClusterMember {
  name: string;
  peerUrls: string[];
}

// `entries` are the comma-separated parts; `label` names where they came
// from, for errors.
export function parseInitialCluster(
  entries: string[],
  label: string,
): ClusterMember[] {
  if (entries.length === 0) {
    throw new ConfigError(
      `${label} is empty: list the members as name=http://host:port,name2=http://host2:port`,
    );
  }
  const members: ClusterMember[] = [];
  const owner = new Map<string, string>(); // peer URL -> member name
  for (const entry of entries) {
    const eq = entry.indexOf("=");
    if (eq < 0) {
      throw new ConfigError(
        `invalid entry ${
          JSON.stringify(entry)
        } in ${label}: write each member as name=http://host:port, e.g. infra0=http://10.0.0.1:2380`,
      );
    }
    const name = entry.slice(0, eq).trim();
    if (name === "") {
      throw new ConfigError(
        `invalid entry ${
          JSON.stringify(entry)
        } in ${label}: the member name before "=" is empty`,
      );
    }
    const url = formatEndpoint(
      parseUrl(entry.slice(eq + 1), `member "${name}" in ${label}`),
    );
    const other = owner.get(url);
    if (other !== undefined && other !== name) {
      throw new ConfigError(
        `${label} gives peer URL ${url} to both "${other}" and "${name}": each member needs its own peer URLs`,
      );
    }
    owner.set(url, name);
    let member = members.find((m) => m.name === name);
    if (!member) {
      member = { name, peerUrls: [] };
      members.push(member);
    }
    if (!member.peerUrls.includes(url)) member.peerUrls.push(url);
  }
  return members;
}
