// Term and commit index over the last minutes, drawn as SVG: the commit
// index climbs with every write; the term steps up at each election.

import { useRef, useState } from "preact/hooks";
import type { Sample } from "../../shared/dashboard.ts";
import { clockTime, count } from "../lib/format.ts";
import { useWidth } from "../lib/use_width.ts";
import { samples } from "../state/cluster.ts";

const HEIGHT = 200;
const PAD = { l: 64, r: 44, t: 14, b: 26 };
const WINDOW_MS = 5 * 60_000;

export function IndexChart() {
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box);
  const [hover, setHover] = useState<number | null>(null);
  const all = samples.value;
  const last = all[all.length - 1];
  const data = last ? all.filter((s) => s.at >= last.at - WINDOW_MS) : [];

  return (
    <section class="panel" aria-labelledby="chart-h">
      <div class="panel-head">
        <h2 id="chart-h">Term and commit index</h2>
        <div class="legend">
          <span>
            <span class="line-key commit" />commit index
          </span>
          <span>
            <span class="line-key term" />term
          </span>
        </div>
      </div>
      <div class="chart" ref={box} data-test="index-chart">
        {data.length < 2
          ? <p class="muted empty">Collecting samples (one a second while this page is open)…</p>
          : <Plot data={data} width={width} hover={hover} setHover={setHover} />}
      </div>
    </section>
  );
}

function Plot({ data, width, hover, setHover }: { data: Sample[]; width: number; hover: number | null; setHover: (i: number | null) => void }) {
  const w = Math.max(width, 200);
  const iw = w - PAD.l - PAD.r;
  const ih = HEIGHT - PAD.t - PAD.b;
  const t0 = data[0].at;
  const t1 = Math.max(data[data.length - 1].at, t0 + 1);
  let cMin = Math.min(...data.map((d) => d.commitIndex));
  let cMax = Math.max(...data.map((d) => d.commitIndex));
  // A flat or nearly flat line sits in the middle rather than on the frame.
  if (cMax - cMin < 4) {
    cMin = Math.max(0, cMin - 2);
    cMax += 2;
  }
  const tMin = Math.min(...data.map((d) => d.term));
  const tMax = Math.max(...data.map((d) => d.term));
  // Half a term of room on each side keeps the step line off the frame.
  const tLo = tMin - 0.5;
  const tHi = tMax + 0.5;
  const x = (t: number) => PAD.l + ((t - t0) / (t1 - t0)) * iw;
  const yc = (v: number) => PAD.t + ih - ((v - cMin) / (cMax - cMin)) * ih;
  const yt = (v: number) => PAD.t + ih - ((v - tLo) / (tHi - tLo)) * ih;

  const commitPath = data.map((d, i) => `${i ? "L" : "M"}${x(d.at).toFixed(1)},${yc(d.commitIndex).toFixed(1)}`).join("");
  const area = `${commitPath}L${x(t1).toFixed(1)},${PAD.t + ih}L${x(t0).toFixed(1)},${PAD.t + ih}Z`;
  let termPath = `M${x(data[0].at).toFixed(1)},${yt(data[0].term).toFixed(1)}`;
  for (let i = 1; i < data.length; i++) {
    termPath += `H${x(data[i].at).toFixed(1)}V${yt(data[i].term).toFixed(1)}`;
  }
  const cTicks = [...new Set([cMin, Math.round((cMin + cMax) / 2), cMax])];
  const tTicks = termTicks(tMin, tMax);
  // As many time labels as fit, never two of the same second.
  const slots = Math.max(2, Math.min(iw < 360 ? 3 : 4, Math.floor((t1 - t0) / 1000) + 1));
  const xTicks = Array.from({ length: slots }, (_, i) => t0 + (i / (slots - 1)) * (t1 - t0));
  const h = hover !== null ? data[hover] : null;

  const onMove = (e: MouseEvent) => {
    const r = (e.currentTarget as SVGElement).getBoundingClientRect();
    const t = t0 + ((e.clientX - r.left - PAD.l) / iw) * (t1 - t0);
    let best = 0;
    for (let i = 1; i < data.length; i++) if (Math.abs(data[i].at - t) < Math.abs(data[best].at - t)) best = i;
    setHover(best);
  };

  return (
    <svg width={w} height={HEIGHT} role="img" aria-label={`Commit index from ${cMin} to ${cMax}, term from ${tMin} to ${tMax}`} onMouseMove={onMove} onMouseLeave={() => setHover(null)}>
      {cTicks.map((v) => (
        <g key={`c${v}`}>
          <line class="grid" x1={PAD.l} x2={PAD.l + iw} y1={yc(v)} y2={yc(v)} />
          <text class="tick" x={PAD.l - 8} y={yc(v) + 4} text-anchor="end">{count(v)}</text>
        </g>
      ))}
      {tTicks.map((v) => (
        <text key={`t${v}`} class="tick term" x={PAD.l + iw + 8} y={yt(v) + 4}>{v}</text>
      ))}
      {xTicks.map((t, i) => (
        <text key={`x${i}`} class="tick" x={x(t)} y={HEIGHT - 6} text-anchor={i === 0 ? "start" : i === xTicks.length - 1 ? "end" : "middle"}>{clockTime(t)}</text>
      ))}
      <path class="commit-area" d={area} />
      <path class="commit-line" d={commitPath} />
      <path class="term-line" d={termPath} />
      {h && (
        <g class="hover">
          <line x1={x(h.at)} x2={x(h.at)} y1={PAD.t} y2={PAD.t + ih} />
          <circle cx={x(h.at)} cy={yc(h.commitIndex)} r="3.5" />
          <text x={Math.min(x(h.at) + 8, PAD.l + iw - 150)} y={PAD.t + 12}>
            {clockTime(h.at)} · index {count(h.commitIndex)} · term {h.term}
          </text>
        </g>
      )}
    </svg>
  );
}

function termTicks(min: number, max: number): number[] {
  const step = Math.max(1, Math.ceil((max - min) / 3));
  const out: number[] = [];
  for (let v = min; v <= max; v += step) out.push(v);
  return out;
}
