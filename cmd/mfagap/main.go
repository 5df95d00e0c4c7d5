// Command mfagap analyses exported Microsoft Entra ID sign-in logs offline and
// writes an MFA gap report. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// Ctrl-C or SIGTERM cancels the run, so that DuckDB stops and the
	// temporary folders (expanded archives, stage and temporary databases)
	// are removed on the way out; a second signal kills as usual.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := runContext(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
