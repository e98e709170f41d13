// Package templates holds the files the HTML report is made of: the page
// template, its stylesheet and script, and the vendored ECharts bundle
// (vendor/, with its own license). They are embedded in the binary, so a
// report needs nothing at run time.
package templates

import "embed"

// FS holds report.html.tmpl, report.css, report.js and
// vendor/echarts.common.min.js, and the batch index page: index.html.tmpl
// and index.js.
//
//go:embed report.html.tmpl report.css report.js vendor/echarts.common.min.js index.html.tmpl index.js
var FS embed.FS
