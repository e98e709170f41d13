// entry.js is the ECharts that the report inlines: the core (init,
// getInstanceByDom, dispose and the light and dark themes) with only the
// charts, components and renderers that report/charts.go and report.js use.
// A chart option that names anything else (a pie series, a title or toolbox
// component) draws nothing of it, silently. As in every build from the
// echarts package's "sideEffects" list, series label layout (labelLayout,
// label overlap hiding) is left out: the report's series have no labels.
import { use } from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import {
  DataZoomInsideComponent,
  DataZoomSliderComponent,
  GridComponent,
  LegendPlainComponent,
  LegendScrollComponent,
  TooltipComponent
} from "echarts/components";
import { CanvasRenderer, SVGRenderer } from "echarts/renderers";

use([
  SVGRenderer, // the charts on screen: no canvas to fill and hand to the compositor
  CanvasRenderer, // the pictures that print (getRenderedCanvas)
  BarChart,
  LineChart,
  GridComponent, // cartesian axes (value, category, time) and the axis pointer
  TooltipComponent, // trigger "axis", drawn in the chart, not as HTML (renderMode "richText")
  LegendPlainComponent,
  LegendScrollComponent, // report.js pages the legend on narrow screens
  DataZoomInsideComponent,
  DataZoomSliderComponent // the time line's zoom
]);

export { dispose, getInstanceByDom, init, version } from "echarts/core";
