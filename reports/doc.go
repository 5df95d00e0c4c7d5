// Package reports renders an analyze.Result as findings JSON, a single
// self-contained offline HTML report, CSV, Markdown and a short terminal
// summary.
//
// Every string that comes from the sign-in logs (user agents, app and display
// names, UPNs, file names) is attacker-controlled. Each writer neutralises it
// for its own format: html/template escaping (data is never wrapped in
// template.HTML, JS, CSS or URL), a leading ' before spreadsheet formula
// characters in CSV, backslash escapes in Markdown, and removal of control
// characters in terminal output.
package reports
