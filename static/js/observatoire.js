/* The observatory's charts: Chart.js (from npm, static) draws each block's protected figures, read from the
   JSON the server wrote beside the canvas. The table after each chart is its accessible alternative: without
   JavaScript the page loses nothing but the drawings. */
(function () {
  "use strict";
  function draw() {
    if (typeof window.Chart === "undefined") { return; }
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      new window.Chart(canvas, {
        type: data.type === "line" ? "line" : "bar",
        data: {
          labels: data.labels,
          datasets: data.datasets.map(function (set) {
            return { label: set.label, data: set.data, backgroundColor: "#3182bd", borderColor: "#08519c", spanGaps: false };
          })
        },
        options: {
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: false }, tooltip: { enabled: true } },
          scales: { y: { beginAtZero: true } }
        }
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
