// Metrics box plots per process (lazy chunk): CPU, memory, job duration and I/O, from the
// distributions Nextflow computes at the end of a run. Hand-drawn SVG, with the numbers in a
// table for keyboard and screen-reader users.

import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { keys, type WorkspaceId } from '../../api/keys';
import { getMetrics } from '../../api/runs';
import type { WorkflowMetrics } from '../../api/types';
import { isActive } from '../../lib/format';
import { boxesOf, formatMetric, METRIC_TABS, niceMax, type MetricTab } from '../../lib/metrics';
import { shortProcessName } from '../../lib/progress';
import { Card, Empty, ErrorBox, Loading, Tabs } from '../../ui/kit';

export default function MetricsPanel({ ws, runId, status }: { ws: WorkspaceId; runId: string; status: string }) {
  const active = isActive(status);
  const q = useQuery({
    queryKey: keys.metrics(ws, runId),
    queryFn: ({ signal }) => getMetrics(ws, runId, signal),
    enabled: !active,
  });
  return (
    <Card title="Metrics" className="metrics-card">
      {active ? <Empty icon="clock">Nextflow sends the resource distributions when the run ends; the box plots appear then.</Empty> : null}
      {!active && q.isPending ? <Loading what="metrics" /> : null}
      {q.isError ? <ErrorBox error={q.error} retry={() => q.refetch()} /> : null}
      {q.data && q.data.length === 0 ? <Empty>No metrics were reported for this run.</Empty> : null}
      {q.data && q.data.length > 0 ? (
        <Tabs label="Metrics" tabs={METRIC_TABS.map((tab) => ({ id: tab.id, title: tab.title, render: () => <MetricTabView tab={tab} metrics={q.data} /> }))} />
      ) : null}
    </Card>
  );
}

function MetricTabView({ tab, metrics }: { tab: MetricTab; metrics: WorkflowMetrics[] }) {
  const [view, setView] = useState(0);
  const v = tab.views[view];
  const boxes = boxesOf(metrics, v.key);
  return (
    <div>
      <div className="chips" role="group" aria-label={`${tab.title} view`}>
        {tab.views.map((x, i) => (
          <button key={x.key} type="button" className="chip" aria-pressed={i === view} onClick={() => setView(i)}>
            {x.label}
          </button>
        ))}
      </div>
      {boxes.length === 0 ? <Empty>No values for this metric.</Empty> : <BoxPlot boxes={boxes} unit={v.unit} title={`${tab.title}: ${v.label}`} />}
    </div>
  );
}

function BoxPlot({ boxes, unit, title }: { boxes: ReturnType<typeof boxesOf>; unit: 'percent' | 'bytes' | 'ms'; title: string }) {
  const W = 800;
  const row = 30;
  const pad = { l: 150, r: 16, t: 8, b: 24 };
  const H = pad.t + pad.b + boxes.length * row;
  const max = niceMax(Math.max(...boxes.map((b) => b.stats.max)), unit);
  const x = (v: number) => pad.l + (Math.max(0, v) / max) * (W - pad.l - pad.r);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  return (
    <figure className="chart">
      <div className="chart-scroll">
        <svg viewBox={`0 0 ${W} ${H}`} className="chart-svg" role="img" aria-label={`Box plot of ${title} per process`}>
          {ticks.map((t) => (
            <g key={t}>
              <line x1={x(t)} x2={x(t)} y1={pad.t} y2={H - pad.b} className="grid-line" />
              <text x={x(t)} y={H - 6} textAnchor="middle" className="axis-text">
                {formatMetric(t, unit)}
              </text>
            </g>
          ))}
          {boxes.map((b, i) => {
            const s = b.stats;
            const cy = pad.t + i * row + row / 2;
            const h = row * 0.55;
            return (
              <g key={b.process} className="box">
                <title>{`${b.process}\nmin ${formatMetric(s.min, unit)}${s.minLabel ? ` (${s.minLabel})` : ''}\nQ1 ${formatMetric(s.q1, unit)}\nmedian ${formatMetric(s.q2, unit)}\nQ3 ${formatMetric(s.q3, unit)}\nmax ${formatMetric(s.max, unit)}${s.maxLabel ? ` (${s.maxLabel})` : ''}\nmean ${formatMetric(s.mean, unit)}`}</title>
                <text x={pad.l - 8} y={cy + 4} textAnchor="end" className="axis-text box-label">
                  {shortProcessName(b.process).slice(0, 22)}
                </text>
                <line x1={x(s.min)} x2={x(s.max)} y1={cy} y2={cy} className="whisker" />
                <line x1={x(s.min)} x2={x(s.min)} y1={cy - h / 3} y2={cy + h / 3} className="whisker" />
                <line x1={x(s.max)} x2={x(s.max)} y1={cy - h / 3} y2={cy + h / 3} className="whisker" />
                <rect x={x(s.q1)} y={cy - h / 2} width={Math.max(1.5, x(s.q3) - x(s.q1))} height={h} className="box-rect" />
                <line x1={x(s.q2)} x2={x(s.q2)} y1={cy - h / 2} y2={cy + h / 2} className="median" />
                <path d={`M${x(s.mean)} ${cy - 4}l4 4l-4 4l-4 -4z`} className="mean" />
              </g>
            );
          })}
        </svg>
      </div>
      <details>
        <summary>Values</summary>
        <table className="table table-compact">
          <thead>
            <tr>
              <th>Process</th>
              <th className="num">Min</th>
              <th className="num">Q1</th>
              <th className="num">Median</th>
              <th className="num">Q3</th>
              <th className="num">Max</th>
              <th className="num">Mean</th>
            </tr>
          </thead>
          <tbody>
            {boxes.map((b) => (
              <tr key={b.process}>
                <td>{b.process}</td>
                {(['min', 'q1', 'q2', 'q3', 'max', 'mean'] as const).map((k) => (
                  <td key={k} className="num">
                    {formatMetric(b.stats[k], unit)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
