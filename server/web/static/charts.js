// Draws the page's charts: each <div class="chart" data-chart="ID"> gets the ECharts options of the
// <script type="application/json" id="ID"> beside it. SVG renderer, no animation: the charts print.
(function () {
  var charts = [];
  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll(".chart[data-chart]").forEach(function (element) {
      var source = document.getElementById(element.dataset.chart);
      if (!source) return;
      var options = JSON.parse(source.textContent);
      options.animation = false;
      var chart = echarts.init(element, null, { renderer: "svg" });
      chart.setOption(options);
      charts.push(chart);
      element.dataset.drawn = "1";
    });
  }
  function resize() { charts.forEach(function (chart) { chart.resize(); }); }
  document.addEventListener("DOMContentLoaded", draw);
  window.addEventListener("resize", resize);
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
  if (window.matchMedia) window.matchMedia("print").addEventListener("change", resize);
})();
