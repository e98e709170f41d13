// Package templates holds the files the HTML report is made of: the page
// template, its stylesheet and script, and the vendored ECharts build
// (vendor/, with its own licenses). They are embedded in the binary, so a
// report needs nothing at run time.
package templates

import "embed"

// FS holds report.html.tmpl, report.css, report.js and the ECharts build
// (ECharts), and the batch index page: index.html.tmpl and index.js.
//
//go:embed report.html.tmpl report.css report.js vendor/echarts.report.min.js index.html.tmpl index.js
var FS embed.FS

// ECharts is the name in FS of the ECharts build the report inlines: only
// the parts of ECharts the report uses, made by vendor/refresh.sh.
const ECharts = "vendor/echarts.report.min.js"
