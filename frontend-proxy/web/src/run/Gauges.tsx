// The load gauges (current against peak) and utilization donuts of the run page: tiny SVGs,
// with the numbers in text so they read without colour.

import { formatPercent } from '../lib/format';

function arc(cx: number, cy: number, r: number, from: number, to: number): string {
  const p = (a: number) => [cx + r * Math.cos(a), cy + r * Math.sin(a)];
  const [x1, y1] = p(from);
  const [x2, y2] = p(to);
  const large = to - from > Math.PI ? 1 : 0;
  return `M${x1.toFixed(2)} ${y1.toFixed(2)}A${r} ${r} 0 ${large} 1 ${x2.toFixed(2)} ${y2.toFixed(2)}`;
}

/** A half-circle gauge: `value` of `max`. */
export function Gauge({ label, value, max, ratio }: { label: string; value: number; max: number; ratio: number }) {
  const start = Math.PI;
  const end = start + Math.PI * Math.max(0.0001, Math.min(1, ratio));
  return (
    <figure className="gauge" aria-label={`${label}: ${value} of peak ${max}`}>
      <svg viewBox="0 0 100 60" width="120" height="72" aria-hidden="true">
        <path d={arc(50, 52, 40, Math.PI, 2 * Math.PI)} className="gauge-track" />
        {ratio > 0 ? <path d={arc(50, 52, 40, start, end)} className="gauge-fill" /> : null}
      </svg>
      <figcaption>
        <strong>{value}</strong> <span className="muted">/ {max} peak</span>
        <div>{label}</div>
      </figcaption>
    </figure>
  );
}

/** A full-circle donut for a percentage (values over 100% are drawn full). */
export function Donut({ label, value }: { label: string; value: number }) {
  const v = Number.isFinite(value) ? value : 0;
  const r = Math.max(0, Math.min(100, v)) / 100;
  const c = 2 * Math.PI * 36;
  return (
    <figure className="gauge" aria-label={`${label}: ${formatPercent(v)}`}>
      <svg viewBox="0 0 100 100" width="80" height="80" aria-hidden="true">
        <circle cx="50" cy="50" r="36" className="gauge-track" />
        <circle cx="50" cy="50" r="36" className="gauge-fill" strokeDasharray={`${(c * r).toFixed(2)} ${c.toFixed(2)}`} transform="rotate(-90 50 50)" />
        <text x="50" y="55" textAnchor="middle" className="gauge-text">
          {formatPercent(v)}
        </text>
      </svg>
      <figcaption>{label}</figcaption>
    </figure>
  );
}
