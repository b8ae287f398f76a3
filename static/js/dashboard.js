// The tier dashboard's charts. Data comes from the json_script block "dashboard-chart-data"; every chart
// has a table beside it, so the page reads (and prints) without JavaScript.
(function () {
  "use strict";
  const source = document.getElementById("dashboard-chart-data");
  document.querySelectorAll(".js-print").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  if (!source || typeof Chart === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  const palette = ["#6c757d", "#c99a06", "#6f8fa6", "#4b2bb3", "#b02a37", "#198754", "#0d6efd", "#fd7e14"];
  Chart.defaults.animation = false;

  function bars(canvas, chart) {
    const type = canvas.dataset.type || "bar";
    const datasets = type === "doughnut"
      ? [{ label: data.labels.count, data: chart.counts, backgroundColor: palette }]
      : [
          { label: data.labels.count, data: chart.counts, backgroundColor: "#0d6efd", yAxisID: "y" },
          { label: data.labels.aum, data: chart.aum, backgroundColor: "#fd7e14", yAxisID: "y1" },
        ];
    const scales = type === "doughnut" ? {} : {
      y: { beginAtZero: true, position: "left" },
      y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } },
    };
    return new Chart(canvas, {
      type: type,
      data: { labels: chart.labels, datasets: datasets },
      options: { responsive: true, maintainAspectRatio: false, scales: scales,
                 plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } } },
    });
  }

  function trends(canvas, chart) {
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: chart.labels,
        datasets: chart.series.map(function (series, i) {
          return { label: series.label, data: series.counts, borderColor: palette[i], backgroundColor: palette[i],
                   tension: 0.2, fill: false };
        }),
      },
      options: { responsive: true, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
                 scales: { y: { beginAtZero: true } },
                 plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } } },
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    const chart = data[canvas.dataset.chart];
    if (!chart) {
      return;
    }
    if (canvas.dataset.chart === "trends") {
      trends(canvas, chart);
    } else {
      bars(canvas, chart);
    }
  });
})();
