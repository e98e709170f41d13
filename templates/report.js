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
  var byteUnits = ["B", "KB", "MB", "GB", "TB"];
  function humanBytes(v) {
    var n = Number(v);
    var i = 0;
    while (Math.abs(n) >= 1000 && i < byteUnits.length - 1) {
      n /= 1000;
      i++;
    }
    return (i === 0 ? String(n) : n.toFixed(1)) + " " + byteUnits[i];
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
    // data-unit is one unit for the chart, or a comma-separated list with
    // one unit per series.
    var units = (el.getAttribute("data-unit") || "count").split(",");
    opt.tooltip = opt.tooltip || {};
    // Tooltips are drawn on the canvas, not as HTML, so no text from the
    // capture is ever parsed as markup.
    opt.tooltip.renderMode = "richText";
    opt.tooltip.valueFormatter = formatterFor(units[0]);
    if (units.length > 1) {
      (opt.series || []).forEach(function (s, i) {
        s.tooltip = { valueFormatter: formatterFor(units[i] || "count") };
      });
    }
    [].concat(opt.xAxis || [], opt.yAxis || []).forEach(function (ax) {
      if (ax.type === "value" && (ax.name === "bytes" || (units.length === 1 && units[0] === "bytes"))) {
        ax.axisLabel = ax.axisLabel || {};
        ax.axisLabel.formatter = humanBytes;
      }
    });
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
