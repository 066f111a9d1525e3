// Package bench implements `matrixgen bench`: it generates a synthetic order
// log and times our miner against a straightforward map[pair]count counter.
package bench

import (
	"flag"
	"fmt"
	"io"
)

// Run parses args (without the "bench" word) and runs the benchmark, writing
// the table to stdout and progress or usage to stderr.
func Run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintln(stderr, "usage: matrixgen bench [--orders N] (benchmark not built yet)")
	return fmt.Errorf("bench: not available yet")
}
