/**
 * The two live charts: latency (round trip and one-way, ms) and bytes per message split into
 * payload, envelope and other wire overhead. One point per second; the last WINDOW points are kept.
 * Only the Chart.js parts these charts use are registered, so the bundle stays small.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);
Chart.defaults.font.family = 'Inter, system-ui, -apple-system, "Segoe UI", sans-serif';
Chart.defaults.font.size = 11;
Chart.defaults.color = '#5b6472';
Chart.defaults.animation = false;

const WINDOW = 60;
const COLORS = { blue: '#2563eb', teal: '#0d9488', amber: '#d97706', slate: '#94a3b8' };

const axis = (title: string, stacked = false) => ({
  stacked,
  beginAtZero: true,
  title: { display: true, text: title },
  grid: { color: '#eef0f3' },
});
const timeAxis = (stacked = false) => ({
  stacked,
  grid: { display: false },
  ticks: { maxTicksLimit: 6, maxRotation: 0 },
});

export function latencyChart(canvas: HTMLCanvasElement): Chart {
  return new Chart(canvas, {
    type: 'line',
    data: {
      labels: [],
      datasets: [
        {
          label: 'round trip (echo)',
          data: [],
          borderColor: COLORS.blue,
          backgroundColor: COLORS.blue,
          pointRadius: 0,
          borderWidth: 2,
          spanGaps: true,
        },
        {
          label: 'one-way server → page (ticks)',
          data: [],
          borderColor: COLORS.teal,
          backgroundColor: COLORS.teal,
          pointRadius: 0,
          borderWidth: 2,
          spanGaps: true,
        },
      ],
    },
    options: {
      maintainAspectRatio: false,
      scales: { x: timeAxis(), y: axis('ms') },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
    },
  });
}

export function bytesChart(canvas: HTMLCanvasElement): Chart {
  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels: [],
      datasets: [
        { label: 'payload', data: [], backgroundColor: COLORS.blue },
        { label: 'envelope', data: [], backgroundColor: COLORS.amber },
        { label: 'other wire overhead', data: [], backgroundColor: COLORS.slate },
      ],
    },
    options: {
      maintainAspectRatio: false,
      scales: { x: timeAxis(true), y: axis('bytes / message', true) },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
    },
  });
}

/** Appends one point per dataset (null = no sample this second) and scrolls the window. */
export function push(chart: Chart, label: string, values: Array<number | null>): void {
  chart.data.labels!.push(label);
  values.forEach((v, i) => chart.data.datasets[i]!.data.push(v as number));
  if (chart.data.labels!.length > WINDOW) {
    chart.data.labels!.shift();
    for (const d of chart.data.datasets) d.data.shift();
  }
  chart.update('none');
}

export function clear(chart: Chart): void {
  chart.data.labels = [];
  for (const d of chart.data.datasets) d.data = [];
  chart.update('none');
}

/** Transport colours, the same in every compare chart and lane card. */
export const LANE_COLORS: Record<string, string> = {
  websocket: COLORS.blue,
  sse: COLORS.teal,
  'long-polling': COLORS.amber,
  socketio: '#7c3aed',
};

/** One line per lane (compare mode), e.g. latency or bytes per message over time. */
export function lanesChart(canvas: HTMLCanvasElement, unit: string, lanes: string[]): Chart {
  return new Chart(canvas, {
    type: 'line',
    data: {
      labels: [],
      datasets: lanes.map((name) => ({
        label: name === 'socketio' ? 'Socket.IO' : name,
        data: [],
        borderColor: LANE_COLORS[name] ?? COLORS.slate,
        backgroundColor: LANE_COLORS[name] ?? COLORS.slate,
        pointRadius: 0,
        borderWidth: 2,
        spanGaps: true,
      })),
    },
    options: {
      maintainAspectRatio: false,
      scales: { x: timeAxis(), y: axis(unit) },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
    },
  });
}
