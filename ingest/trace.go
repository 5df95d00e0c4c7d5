package ingest

import (
	"fmt"
	"os"
	"time"
)

// traceOn prints the duration of each loading step to stderr when the
// environment variable MFAGAP_TRACE is set: the measuring aid behind the
// README's Performance section.
var traceOn = os.Getenv("MFAGAP_TRACE") != ""

// Trace reports the time since start under label, when tracing is on.
func Trace(label string, start time.Time) {
	if traceOn {
		fmt.Fprintf(os.Stderr, "trace %8.3fs  %s\n", time.Since(start).Seconds(), label)
	}
}
