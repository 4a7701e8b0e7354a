// One line per event: time, level, member name, message. Quiet below the configured level.

export type Level = "debug" | "info" | "warn" | "error";
const rank: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function createLogger(name: string, level: Level = "info"): Logger {
  const min = rank[level];
  const line = (lvl: Level, msg: string) => {
    if (rank[lvl] < min) return;
    const text = `${new Date().toISOString()} ${lvl.toUpperCase().padEnd(5)} ${name} | ${msg}`;
    if (rank[lvl] >= rank.warn) console.error(text);
    else console.log(text);
  };
  return {
    debug: (m) => line("debug", m),
    info: (m) => line("info", m),
    warn: (m) => line("warn", m),
    error: (m) => line("error", m),
  };
}
