// A tiny line of the last minute, for the rate cards.

export function Sparkline({ values, label }: { values: number[]; label: string }) {
  if (values.length < 2) return <svg class="spark" aria-hidden="true" />;
  const max = Math.max(1, ...values);
  const step = 100 / (values.length - 1);
  const pts = values.map((v, i) => `${(i * step).toFixed(2)},${(23 - (v / max) * 21).toFixed(2)}`).join(" ");
  return (
    <svg class="spark" viewBox="0 0 100 24" preserveAspectRatio="none" role="img" aria-label={label}>
      <polygon class="spark-fill" points={`0,24 ${pts} 100,24`} />
      <polyline class="spark-line" points={pts} vector-effect="non-scaling-stroke" />
    </svg>
  );
}
