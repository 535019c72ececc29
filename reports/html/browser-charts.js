// @ts-nocheck — runs in the report page, inlined after Chart.js (UMD global `Chart`).
// Reads the ChartSpec list (reports/html/charts.ts) from #report-data and draws each into
// canvas#chart-<id>. Every chart's numbers are also in the table next to it.
(function () {
  'use strict';
  var root = document.documentElement;
  root.classList.remove('no-js');
  var specs = JSON.parse(document.getElementById('report-data').textContent).charts;

  function trim(n, digits) {
    return String(Number(n.toFixed(digits)));
  }
  function ms(v) {
    if (v >= 1000) return trim(v / 1000, 2) + ' s';
    return trim(v, v >= 100 ? 0 : v >= 10 ? 1 : 2) + ' ms';
  }
  function bytes(v) {
    var a = Math.abs(v);
    if (a >= 1e6) return trim(v / 1e6, 2) + ' MB';
    if (a >= 1e3) return trim(v / 1e3, 1) + ' KB';
    return trim(v, 1) + ' B';
  }
  var FORMAT = {
    ms: ms,
    bytes: bytes,
    bytesPerSec: function (v) {
      return bytes(v) + '/s';
    },
  };
  function percentile(x) {
    return trim(100 * (1 - Math.pow(10, -x)), 4) + '%';
  }

  Chart.defaults.animation = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 11;
  Chart.defaults.color = '#444';
  Chart.defaults.plugins.legend.position = 'bottom';
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
  Chart.defaults.plugins.legend.labels.boxHeight = 8;

  // Vertical dashed lines for events (reconnects, fallbacks, cuts).
  function markerPlugin(markers) {
    return {
      id: 'markers',
      afterDatasetsDraw: function (chart) {
        var x = chart.scales.x;
        var area = chart.chartArea;
        var ctx = chart.ctx;
        ctx.save();
        ctx.setLineDash([3, 3]);
        ctx.lineWidth = 1;
        markers.forEach(function (m) {
          var px = x.getPixelForValue(m.x);
          if (px < area.left || px > area.right) return;
          ctx.strokeStyle = m.color;
          ctx.globalAlpha = 0.6;
          ctx.beginPath();
          ctx.moveTo(px, area.top);
          ctx.lineTo(px, area.bottom);
          ctx.stroke();
        });
        ctx.restore();
      },
    };
  }

  function config(spec) {
    var format = FORMAT[spec.y.unit];
    var valueAxis = spec.horizontal ? 'x' : 'y';
    var otherAxis = spec.horizontal ? 'y' : 'x';
    var scales = {};
    scales[valueAxis] = {
      stacked: !!spec.stacked,
      beginAtZero: true,
      title: { display: !!spec.y.title, text: spec.y.title },
      ticks: {
        callback: function (v) {
          return format(v);
        },
      },
    };
    scales[otherAxis] = { stacked: !!spec.stacked, title: { display: !!spec.x.title, text: spec.x.title } };
    if (spec.x.scale !== 'category') {
      scales.x.type = 'linear';
      if (spec.x.scale === 'percentile') {
        scales.x.min = 0;
        scales.x.ticks = { stepSize: 1, callback: percentile };
      }
    }
    var line = spec.kind === 'line';
    return {
      type: spec.kind,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d) {
          return {
            label: d.label,
            data: d.data,
            borderColor: d.color,
            backgroundColor: d.color,
            borderDash: d.dashed ? [6, 3] : [],
            borderWidth: line ? 1.5 : 0,
            pointRadius: 0,
            pointHitRadius: 6,
            maxBarThickness: spec.horizontal ? 26 : 44,
          };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: spec.horizontal ? 'y' : 'x',
        interaction: line ? { mode: 'nearest', axis: 'x', intersect: false } : { mode: 'index', intersect: true },
        scales: scales,
        plugins: {
          legend: { display: spec.datasets.length > 1 },
          tooltip: {
            callbacks: {
              title: function (items) {
                if (!items.length || spec.x.scale === 'category') return items.length ? items[0].label : '';
                var x = items[0].parsed.x;
                return spec.x.scale === 'percentile' ? 'p' + percentile(x) : x + ' s';
              },
              label: function (item) {
                return item.dataset.label + ': ' + format(item.parsed[valueAxis]);
              },
            },
          },
        },
      },
      plugins: spec.markers && spec.markers.length ? [markerPlugin(spec.markers)] : [],
    };
  }

  specs.forEach(function (spec) {
    var canvas = document.getElementById('chart-' + spec.id);
    if (!canvas) return;
    new Chart(canvas, config(spec));
    // The chart is drawn: fold away the table that stands in for it without JavaScript.
    var table = document.getElementById('table-' + spec.id);
    if (table) table.open = false;
  });
})();
