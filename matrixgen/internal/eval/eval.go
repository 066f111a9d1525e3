// Package eval measures suggestion quality offline: it splits real orders by
// time, mines on the earlier part, hides one item at a time from each later
// basket and checks whether the engine (and the standard baselines) suggest it.
package eval

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// Run is `matrixgen eval`: it parses args, runs the evaluation and prints the
// table to stdout.
func Run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("matrixgen eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintln(stderr, "usage: matrixgen eval --orders FILE [--orders-format long|baskets|online-retail] (being written)")
	return errors.New("eval: not available yet")
}
