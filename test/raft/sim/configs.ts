// Named simulation configurations: cluster size, raft options, and how hard
// the fault schedule hits. Every seed runs against one of these.

import type { NetworkFaults } from "./network.ts";
import type { NodeOptions } from "./node.ts";

export interface SimConfig {
  name: string;
  /** Founding members. */
  nodes: number;
  /** Length of the chaotic phase, in ticks. */
  ticks: number;
  /** After healing, a leader must commit and every member apply a proposal within this many ticks. */
  livenessTicks: number;
  node: NodeOptions;
  faults: NetworkFaults;
  /** Per-tick chances of each kind of event during the chaotic phase. */
  proposalRate: number;
  readRate: number;
  transferRate: number;
  partitionRate: number;
  partitionTicks: [number, number];
  /** Share of partitions that cut one direction only. */
  oneWayShare: number;
  crashRate: number;
  /** Share of crashes that strike in the middle of handling a Ready. */
  midReadyCrashShare: number;
  downTicks: [number, number];
  maxDown: number;
  membershipRate: number;
  /** Largest configuration (voters + learners) the schedule grows to. */
  maxMembers: number;
  minVoters: number;
  learners: boolean;
  /** Per node per tick chance to snapshot the state machine and compact the log. */
  snapshotRate: number;
  snapshotKeep: [number, number];
}

const NODE: NodeOptions = {
  electionTick: 10,
  heartbeatTick: 1,
  preVote: false,
  checkQuorum: false,
  maxSizePerMsg: 1024 * 1024,
  maxInflightMsgs: 256,
};

const FAULTS: NetworkFaults = {
  dropRate: 0.05,
  dupRate: 0.03,
  minDelay: 1,
  maxDelay: 3,
  spikeRate: 0.01,
  spikeDelay: 25,
};

const BASE: SimConfig = {
  name: "base",
  nodes: 3,
  ticks: 400,
  livenessTicks: 400,
  node: NODE,
  faults: FAULTS,
  proposalRate: 0.3,
  readRate: 0.05,
  transferRate: 0.005,
  partitionRate: 0.01,
  partitionTicks: [10, 80],
  oneWayShare: 0.3,
  crashRate: 0.006,
  midReadyCrashShare: 0.5,
  downTicks: [5, 60],
  maxDown: 1,
  membershipRate: 0,
  maxMembers: 3,
  minVoters: 3,
  learners: false,
  snapshotRate: 0,
  snapshotKeep: [0, 5],
};

export const CONFIGS: SimConfig[] = [
  // Plain raft: no pre-vote, no check-quorum.
  { ...BASE, name: "plain3" },
  // The production setting: pre-vote and check-quorum.
  {
    ...BASE,
    name: "prevote3",
    node: { ...NODE, preVote: true, checkQuorum: true },
  },
  // Five members, two may be down, harsher network.
  {
    ...BASE,
    name: "faults5",
    nodes: 5,
    maxMembers: 5,
    minVoters: 5,
    maxDown: 2,
    crashRate: 0.01,
    faults: {
      ...FAULTS,
      dropRate: 0.1,
      dupRate: 0.05,
      maxDelay: 4,
      spikeRate: 0.02,
    },
    node: { ...NODE, preVote: true, checkQuorum: true },
  },
  // Crash-heavy, most crashes in the middle of a Ready (losing unpersisted state).
  {
    ...BASE,
    name: "crash5",
    nodes: 5,
    maxMembers: 5,
    minVoters: 5,
    maxDown: 2,
    crashRate: 0.03,
    midReadyCrashShare: 0.8,
    downTicks: [1, 30],
    snapshotRate: 0.01,
  },
  // Snapshots and compaction under faults, tight flow control.
  {
    ...BASE,
    name: "snapshot3",
    snapshotRate: 0.03,
    snapshotKeep: [0, 3],
    proposalRate: 0.5,
    node: {
      ...NODE,
      preVote: true,
      checkQuorum: true,
      maxSizePerMsg: 40,
      maxInflightMsgs: 4,
    },
  },
  // Membership changes from three: remove and add (fresh IDs), learners, up to four members.
  {
    ...BASE,
    name: "members3",
    membershipRate: 0.02,
    maxMembers: 4,
    minVoters: 2,
    learners: true,
    snapshotRate: 0.01,
    node: { ...NODE, preVote: true, checkQuorum: true },
  },
  // Pre-vote without check-quorum, a short election timeout and sparse heartbeats.
  {
    ...BASE,
    name: "timing5",
    nodes: 5,
    maxMembers: 5,
    minVoters: 5,
    maxDown: 2,
    node: { ...NODE, electionTick: 6, heartbeatTick: 2, preVote: true },
    faults: { ...FAULTS, maxDelay: 5, spikeRate: 0.03, spikeDelay: 15 },
    snapshotRate: 0.005,
  },
  // Membership changes from five up to six, without pre-vote (removed members are noisier).
  {
    ...BASE,
    name: "members5",
    nodes: 5,
    membershipRate: 0.02,
    maxMembers: 6,
    minVoters: 3,
    maxDown: 2,
    learners: false,
    snapshotRate: 0.01,
  },
];

export function configByName(name: string): SimConfig {
  const c = CONFIGS.find((c) => c.name === name);
  if (!c) {
    throw new Error(
      `unknown simulation config "${name}" (known: ${
        CONFIGS.map((c) => c.name).join(", ")
      })`,
    );
  }
  return c;
}
