// Command mfagap analyses exported Microsoft Entra ID sign-in logs offline and
// writes an MFA gap report. See README.md.
package main

import "os"

func main() { os.Exit(run(os.Args, os.Stdout, os.Stderr)) }
