// entry.js is the ECharts that the report inlines: the core (init,
// getInstanceByDom, dispose and the light and dark themes) with only the
// charts, components and renderers that report/charts.go and report.js use.
// A chart option that names anything else (a pie series, a title or toolbox
// component) draws nothing of it, silently. As in every build from the
// echarts package's "sideEffects" list, series label layout (labelLayout,
// label overlap hiding) is left out: the report's series have no labels.
import { init as coreInit, use } from "echarts/core";
import { BarChart, GraphChart, LineChart } from "echarts/charts";
import {
  DataZoomInsideComponent,
  DataZoomSliderComponent,
  GridComponent,
  LegendPlainComponent,
  LegendScrollComponent,
  TooltipComponent
} from "echarts/components";
import { CanvasRenderer, SVGRenderer } from "echarts/renderers";

// The parts are installed at the first init, not while the script is
// evaluated. Installing them throws and catches one TypeError (ECharts'
// Scheduler calls each stage handler once with a mock model, to detect
// its series type; the axis pointer's handler fails on it). When
// DevTools or another inspector is attached, V8 records where every error
// was made, in full: during the evaluation that stack includes the
// bundle's top-level function, and V8 parses all of the bundle again to
// place it (some 100 ms on a slow machine). Called from init, the stack
// holds only small functions.
var installed = false;
function install() {
  if (installed) {
    return;
  }
  installed = true;
  use([
    SVGRenderer, // the charts on screen: no canvas to fill and hand to the compositor
    CanvasRenderer, // the pictures that print (getRenderedCanvas)
    BarChart,
    LineChart,
    GraphChart, // the network map (report/netmap.go)
    GridComponent, // cartesian axes (value, category, time) and the axis pointer
    TooltipComponent, // trigger "axis", drawn in the chart, not as HTML (renderMode "richText")
    LegendPlainComponent,
    LegendScrollComponent, // report.js pages the legend on narrow screens
    DataZoomInsideComponent,
    DataZoomSliderComponent // the time line's zoom
  ]);
}

export function init(dom, theme, opts) {
  install();
  return coreInit(dom, theme, opts);
}

export { dispose, getInstanceByDom, version } from "echarts/core";
