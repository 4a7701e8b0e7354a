// What a member costs the machine: resident memory of its process tree and
// the bytes its data dir holds, read from /proc and the file system.

import * as fs from "node:fs";
import * as path from "node:path";

/** VmRSS of one process in KiB (0 if it is gone). */
export function rssKiB(pid: number): number {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** The pid and every descendant (a launcher wrapper would otherwise hide the server). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the parenthesised command name: state, ppid, …
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch { /* exited while we looked */ }
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Resident memory of the process tree rooted at pid, in MiB. */
export function treeRssMiB(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + rssKiB(p), 0) / 1024;
}

/** Bytes allocated on disk under dir (like `du -s`, in MiB). */
export function diskUsageMiB(dir: string): number {
  let blocks = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else blocks += fs.lstatSync(p).blocks;
    }
  };
  walk(dir);
  return (blocks * 512) / (1024 * 1024);
}
