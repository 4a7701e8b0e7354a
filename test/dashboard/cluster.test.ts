// The dashboard of a three-member cluster, opened on a follower: it shows
// every member and the leader, writes through the follower, shows a new
// term when the leader is killed, and says plainly when its member is left
// without a leader and cut off from the others.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agreedLeader, json, Member, stopAll } from "../helpers/cluster.ts";
import { runtimesUnderTest } from "../helpers/server.ts";
import { eventually, openBrowser } from "./browser.ts";

/** Loopback addresses no other test uses, so the fixed ports cannot clash. */
const BASE = "127.0.42";

function three(cwd: string): Member[] {
  const ip = (i: number) => `${BASE}.${i + 1}`;
  const initial = [0, 1, 2].map((i) => `m${i}=http://${ip(i)}:2380`).join(",");
  return [0, 1, 2].map((i) =>
    new Member(`m${i}`, [
      "--name", `m${i}`, "--data-dir", `m${i}.etcd`,
      "--listen-peer-urls", `http://${ip(i)}:2380`, "--initial-advertise-peer-urls", `http://${ip(i)}:2380`,
      "--listen-client-urls", `http://${ip(i)}:2379`, "--advertise-client-urls", `http://${ip(i)}:2379`,
      "--initial-cluster", initial, "--heartbeat-interval", "50", "--election-timeout", "500",
    ], `http://${ip(i)}:2379`, cwd, runtimesUnderTest()[0])
  );
}

Deno.test({
  name: "dashboard on a 3-member cluster: members, leader, a new term when the leader dies, no leader when alone",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cwd = mkdtempSync(join(tmpdir(), "dash-cluster-"));
    const ms = three(cwd);
    let browser: Awaited<ReturnType<typeof openBrowser>> | undefined;
    try {
      for (const m of ms) m.start();
      await Promise.all(ms.map((m) => m.healthy()));
      const leaderId = await agreedLeader(ms);
      const list = (await json(`${ms[0].clientUrl}/v2/members`)).body.members as { id: string; name: string }[];
      const nameOf = (id: string) => list.find((m) => m.id === id)!.name;
      const leader = ms.find((m) => m.name === nameOf(leaderId))!;
      const follower = ms.find((m) => m !== leader)!;
      const third = ms.find((m) => m !== leader && m !== follower)!;

      browser = await openBrowser(new URL(follower.clientUrl).hostname);
      const { page } = browser;
      await page.emulateMedia({ colorScheme: "light" });
      await page.goto(`${follower.clientUrl}/mod/dashboard/`);
      await eventually(async () => (await page.locator("[data-test=member-row]").count()) === 3, "three members listed");
      await page.locator(`[data-test=member-row][data-member=${leader.name}] .pill-leader`).waitFor();
      await page.locator("[data-test=stat-leader] .card-value", { hasText: leader.name }).waitFor();
      await page.locator("[data-test=link-status]", { hasText: `${follower.name} · follower` }).waitFor();
      const firstTerm = Number(await page.locator("[data-test=stat-term] .card-value").innerText());
      await browser.shot("cluster3-members");

      // Writes through the follower's dashboard reach the cluster.
      await page.goto(`${follower.clientUrl}/mod/dashboard/#/keys`);
      await page.locator("[data-test=new-key]").click();
      await page.locator("dialog input[name=path]").fill("/from/follower");
      await page.locator("dialog textarea[name=value]").fill("forwarded");
      await page.locator("dialog button[type=submit]").click();
      await page.locator("dialog").waitFor({ state: "detached" });
      assert.equal((await json(`${leader.clientUrl}/v2/keys/from/follower?quorum=true`)).body?.node?.value, "forwarded");

      // Kill the leader: a new term, led by someone else, appears.
      await page.goto(`${follower.clientUrl}/mod/dashboard/#/cluster`);
      await page.locator("[data-test=terms-table] tbody tr").first().waitFor();
      await leader.kill("SIGKILL");
      const newLeaderId = await agreedLeader([follower, third], 20_000);
      assert.notEqual(newLeaderId, leaderId);
      const newName = nameOf(newLeaderId);
      await page.locator("[data-test=stat-leader] .card-value", { hasText: newName }).waitFor({ timeout: 15_000 });
      const newTerm = Number(await page.locator("[data-test=stat-term] .card-value").innerText());
      assert.ok(newTerm > firstTerm, `term ${newTerm} after ${firstTerm}`);
      const top = await page.locator("[data-test=terms-table] tbody tr").first().innerText();
      assert.match(top, new RegExp(`^${newTerm}\\s+${newName}`), `newest term row: ${top}`);
      assert.ok(await page.locator("[data-test=terms-table] tbody tr").count() >= 2, "the old term is still listed");
      assert.ok(await page.locator("[data-test=timeline] .seg-term").count() >= 2, "two stretches on the timeline");
      await browser.shot("cluster3-new-term");

      // Kill the other one: the follower's member is alone, without a leader.
      await third.kill("SIGKILL");
      await page.locator("[data-test=banner-noleader]").waitFor({ timeout: 20_000 });
      await page.locator("[data-test=banner-cutoff]").waitFor({ timeout: 20_000 });
      await page.locator("[data-test=stat-leader] .card-value", { hasText: "none" }).waitFor();
      await browser.shot("cluster3-no-leader");
      assert.deepEqual(browser.problems, []);
    } finally {
      await browser?.close();
      await stopAll(ms);
      rmSync(cwd, { recursive: true, force: true });
    }
  },
});
