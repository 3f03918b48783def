// Draws the page's charts: each <div class="chart" data-chart="ID"> gets the ECharts options of the
// <script type="application/json" id="ID"> beside it. SVG renderer, no animation, and a viewBox on
// each drawn SVG, so the print stylesheet can scale the charts to the paper's width.
(function () {
  var charts = [];
  function scalable(chart) {
    var svg = chart.getDom().querySelector("svg");
    if (!svg) return;
    svg.setAttribute("viewBox", "0 0 " + chart.getWidth() + " " + chart.getHeight());
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
  }
  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll(".chart[data-chart]").forEach(function (element) {
      var source = document.getElementById(element.dataset.chart);
      if (!source) return;
      var options = JSON.parse(source.textContent);
      options.animation = false;
      var chart = echarts.init(element, null, { renderer: "svg" });
      chart.on("finished", function () { scalable(chart); });
      chart.setOption(options);
      scalable(chart);
      charts.push(chart);
      element.dataset.drawn = "1";
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  window.addEventListener("resize", function () {
    if (window.matchMedia && window.matchMedia("print").matches) return;  // printing scales the SVGs
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
