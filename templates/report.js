// report.js draws the report's charts from the option objects in the
// chart-data script element. It is our own code; echarts is the vendored
// library. It adds only formatting that JSON cannot carry (units), so no
// option ever holds a function built from capture data.
(function () {
  "use strict";
  var holder = document.getElementById("chart-data");
  if (!holder || typeof echarts === "undefined") {
    return;
  }
  var options = JSON.parse(holder.textContent);
  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  var units = ["B", "KB", "MB", "GB", "TB"];
  function humanBytes(v) {
    var n = Number(v);
    var i = 0;
    while (Math.abs(n) >= 1000 && i < units.length - 1) {
      n /= 1000;
      i++;
    }
    return (i === 0 ? String(n) : n.toFixed(1)) + " " + units[i];
  }
  function exact(v) {
    return Number(v).toLocaleString("en-US");
  }
  function formatterFor(unit) {
    if (unit === "bytes") {
      return function (v) { return humanBytes(v) + " (" + exact(v) + " bytes)"; };
    }
    return function (v) { return exact(v); };
  }
  var charts = [];
  var nodes = document.querySelectorAll("[data-chart]");
  for (var i = 0; i < nodes.length; i++) {
    var el = nodes[i];
    var opt = options[el.getAttribute("data-chart")];
    if (!opt) {
      continue;
    }
    var unit = el.getAttribute("data-unit");
    opt.tooltip = opt.tooltip || {};
    opt.tooltip.valueFormatter = formatterFor(unit);
    if (unit === "bytes") {
      [].concat(opt.xAxis || [], opt.yAxis || []).forEach(function (ax) {
        if (ax.type === "value") {
          ax.axisLabel = ax.axisLabel || {};
          ax.axisLabel.formatter = humanBytes;
        }
      });
    }
    var chart = echarts.init(el, dark ? "dark" : null, { renderer: "canvas" });
    if (dark) {
      opt.backgroundColor = "transparent";
    }
    chart.setOption(opt);
    el.setAttribute("data-rendered", "true");
    charts.push(chart);
  }
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
