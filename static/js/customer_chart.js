// The 12-month AUM chart on the customer 360 page. Data comes from the json_script block "aum-chart-data".
(function () {
  "use strict";
  const canvas = document.getElementById("aum-chart");
  const source = document.getElementById("aum-chart-data");
  if (!canvas || !source || typeof Chart === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  const lang = document.documentElement.lang || "zh-hans";
  const toWan = (value) => Number(value) / 10000;
  const wanFormat = new Intl.NumberFormat(lang.startsWith("zh") ? "zh-CN" : "en", {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  const unit = lang.startsWith("zh") ? "万元" : "10k CNY";
  const avgLabel = canvas.dataset.avgLabel || "月日均";
  const endLabel = canvas.dataset.endLabel || "月末";

  new Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [
        {
          label: avgLabel,
          data: data.aum_avg.map(toWan),
          borderColor: "#0d6efd",
          backgroundColor: "rgba(13, 110, 253, 0.12)",
          fill: true,
          tension: 0.25,
        },
        {
          label: endLabel,
          data: data.aum_end.map(toWan),
          borderColor: "#fd7e14",
          borderDash: [6, 4],
          fill: false,
          tension: 0.25,
        },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: {
        tooltip: {
          callbacks: {
            label: (ctx) => `${ctx.dataset.label}: ${wanFormat.format(ctx.parsed.y)} ${unit}`,
          },
        },
      },
      scales: {
        y: {
          beginAtZero: true,
          title: { display: true, text: unit },
          ticks: { callback: (value) => wanFormat.format(value) },
        },
      },
    },
  });
})();
