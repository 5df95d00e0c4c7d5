package reports

import (
	"math"
	"sort"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/mfagap/mfagap/analyze"
)

// chart is one chart of the HTML report: the id of its element and the
// ECharts option that our own script passes to setOption. html/template
// JSON-encodes the option inside <script>, so no data string can end it.
type chart struct {
	ID     string         `json:"id"`
	Title  string         `json:"-"`
	Option map[string]any `json:"option"`
}

// severityColor is the palette of the severity badges in style.css, so
// charts and badges agree.
var severityColor = map[string]string{
	"critical": "#7f1d1d",
	"high":     "#c2410c",
	"medium":   "#b45309",
	"low":      "#1d4ed8",
	"info":     "#475569",
}

func colorOf(sev string) string {
	if c, ok := severityColor[sev]; ok {
		return c
	}
	return severityColor["info"]
}

// buildCharts returns the summary charts that have data. Chart ids are
// fixed (go-echarts would make random ones, which breaks goldens).
func buildCharts(r *analyze.Result) []chart {
	var out []chart
	if findingCount(r) > 0 {
		out = append(out, severityChart(r), checkChart(r))
	}
	if len(r.Metrics.Daily) > 0 {
		out = append(out, dailyChart(r))
	}
	return out
}

func baseOpts(id string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{ChartID: id}),
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
	}
}

// valueLabel prints each bar's value next to it.
func valueLabel(position string) charts.SeriesOpts {
	return charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: position})
}

func severityChart(r *analyze.Result) chart {
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(baseOpts("chart-severity"),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithGridOpts(opts.Grid{Left: "40", Right: "16", Top: "16", Bottom: "30"}),
	)...)
	var names []string
	var data []opts.BarData
	for _, sc := range severityCounts(r) {
		names = append(names, sc.Severity)
		data = append(data, opts.BarData{Value: sc.Count, ItemStyle: &opts.ItemStyle{Color: colorOf(sc.Severity)}})
	}
	bar.SetXAxis(names).AddSeries("Findings", data, valueLabel("top"))
	bar.Validate()
	return chart{ID: "chart-severity", Title: "Findings by severity", Option: bar.JSON()}
}

func checkChart(r *analyze.Result) chart {
	type row struct {
		id, sev string
		n       int
	}
	var rows []row
	for _, c := range r.Checks {
		if len(c.Findings) > 0 {
			rows = append(rows, row{c.ID, c.Severity, len(c.Findings)})
		}
	}
	// Largest bar on top: a reversed bar chart draws its first category at
	// the bottom.
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].n != rows[j].n {
			return rows[i].n < rows[j].n
		}
		return rows[i].id > rows[j].id
	})
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(baseOpts("chart-checks"),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "24", Top: "16", Bottom: "24", ContainLabel: opts.Bool(true)}),
	)...)
	var names []string
	var data []opts.BarData
	for _, x := range rows {
		names = append(names, x.id)
		data = append(data, opts.BarData{Value: x.n, ItemStyle: &opts.ItemStyle{Color: colorOf(x.sev)}})
	}
	bar.SetXAxis(names).AddSeries("Findings", data, valueLabel("right"))
	bar.XYReversal()
	bar.Validate()
	return chart{ID: "chart-checks", Title: "Findings per check", Option: bar.JSON()}
}

func dailyChart(r *analyze.Result) chart {
	type day struct{ signins, failures, inter, mfa int64 }
	byDay := map[string]*day{}
	var days []string
	for _, d := range r.Metrics.Daily {
		x, ok := byDay[d.Day]
		if !ok {
			x = &day{}
			byDay[d.Day] = x
			days = append(days, d.Day)
		}
		x.signins += d.SignIns
		x.failures += d.Failures
		x.inter += d.InteractiveSuccess
		x.mfa += d.InteractiveSuccessMFA
	}
	sort.Strings(days)
	var signins, failures []opts.BarData
	var share []opts.LineData
	for _, k := range days {
		x := byDay[k]
		signins = append(signins, opts.BarData{Value: x.signins})
		failures = append(failures, opts.BarData{Value: x.failures})
		if x.inter == 0 {
			share = append(share, opts.LineData{Value: "-"}) // ECharts: no value
			continue
		}
		share = append(share, opts.LineData{Value: math.Round(1000*float64(x.mfa)/float64(x.inter)) / 10})
	}

	bar := charts.NewBar()
	bar.SetGlobalOptions(append(baseOpts("chart-daily"),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0"}),
		charts.WithColorsOpts(opts.Colors{"#64748b", "#dc2626", "#0f766e"}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "8", Top: "40", Bottom: "8", ContainLabel: opts.Bool(true)}),
		charts.WithYAxisOpts(opts.YAxis{Name: "sign-ins", Type: "value"}),
	)...)
	bar.ExtendYAxis(opts.YAxis{Name: "MFA %", Type: "value", Min: 0, Max: 100,
		AxisLabel: &opts.AxisLabel{Formatter: "{value}%"}, SplitLine: &opts.SplitLine{Show: opts.Bool(false)}})
	bar.SetXAxis(days).
		AddSeries("Sign-ins", signins).
		AddSeries("Failures", failures)
	line := charts.NewLine()
	line.SetXAxis(days).AddSeries("Interactive successes with MFA (%)", share,
		charts.WithLineChartOpts(opts.LineChart{YAxisIndex: 1, Smooth: opts.Bool(false), ShowSymbol: opts.Bool(true)}))
	bar.Overlap(line)
	bar.Validate()
	return chart{ID: "chart-daily", Title: "Sign-ins per day, failures and MFA share", Option: bar.JSON()}
}
