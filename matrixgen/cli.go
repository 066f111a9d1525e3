package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/xsell/xsell/matrixgen/internal/bench"
	"github.com/xsell/xsell/matrixgen/internal/eval"
	"github.com/xsell/xsell/matrixgen/internal/input"
)

// Exit statuses.
const (
	exitOK      = 0
	exitInput   = 1 // bad input: a file is missing, malformed or inconsistent
	exitMisuse  = 2 // bad command line
	generatorID = "matrixgen 1.0"
)

// env is what a command may touch: tests pass their own.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// terminal: stderr is a terminal, so progress bars may draw.
	terminal bool
	// now returns the build time in Unix seconds.
	now func() int64
}

// usageError is a command-line mistake (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

const topUsage = `matrixgen compiles a shop's catalog, orders and curated matrix into the xsell blob.

Usage:
  matrixgen build   --orders F [--orders-format long|baskets|online-retail|auto] [--catalog F]
                    [--matrix F] [--policy F] [--feedback F] [--shard-pairs N|auto] -o OUT.blob
  matrixgen inspect BLOB
  matrixgen explain BLOB ITEM_A ITEM_B [--orders F]
  matrixgen report  BLOB -o report.html [--orders F --have-not A,B --campaign campaign.csv]
  matrixgen publish BLOB --endpoint URL   (token in $XSELL_TOKEN; a head's shards go first)
  matrixgen eval    ...   (offline quality evaluation)
  matrixgen bench   ...   (speed against a map[pair]count counter)

"matrixgen COMMAND --help" describes a command. Exit status: 0 success,
1 bad input, 2 misuse.
`

func run(args []string, stdout, stderr io.Writer) int {
	e := &env{stdin: os.Stdin, stdout: stdout, stderr: stderr, terminal: isTerminal(stderr), now: unixNow}
	return e.run(args)
}

func (e *env) run(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, topUsage)
		return exitMisuse
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stdout, topUsage)
		return exitOK
	case "build":
		err = e.build(rest)
	case "inspect":
		err = e.inspect(rest)
	case "explain":
		err = e.explain(rest)
	case "report":
		err = e.report(rest)
	case "publish":
		err = e.publish(rest)
	case "bench":
		err = bench.Run(rest, e.stdout, e.stderr)
	case "eval":
		err = eval.Run(rest, e.stdout, e.stderr)
	default:
		fmt.Fprintf(e.stderr, "matrixgen: unknown command %q\n\n%s", cmd, topUsage)
		return exitMisuse
	}
	return e.exit(cmd, err)
}

func (e *env) exit(cmd string, err error) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue), errors.Is(err, bench.ErrUsage), errors.Is(err, eval.ErrUsage):
		msg := err.Error()
		if !strings.Contains(msg, "--help") {
			msg += fmt.Sprintf(" (see matrixgen %s --help)", cmd)
		}
		fmt.Fprintf(e.stderr, "matrixgen %s: %s\n", cmd, msg)
		return exitMisuse
	default:
		fmt.Fprintf(e.stderr, "matrixgen %s: %v\n", cmd, err)
		return exitInput
	}
}

// flags makes a FlagSet whose --help prints usage and the flags to stdout.
func (e *env) flags(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("matrixgen "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprint(e.stdout, usage)
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parse parses flags that may come before or after the positional
// arguments (matrixgen explain BLOB A B --orders F).
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.Usage()
				return nil, err
			}
			return nil, usagef("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// open opens a named input; "-" is stdin. The returned size is -1 when unknown.
func (e *env) open(name string) (io.ReadCloser, int64, error) {
	if name == "-" {
		return io.NopCloser(e.stdin), -1, nil
	}
	f, err := os.Open(name)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the file name is already in the message
		}
		return nil, 0, &input.Error{File: name, Err: err}
	}
	size := int64(-1)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	return f, size, nil
}

func displayName(name string) string {
	if name == "-" {
		return "stdin"
	}
	return name
}

func splitPair(s string) (string, string, bool) {
	a, b, ok := strings.Cut(s, ",")
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	return a, b, ok && a != "" && b != ""
}
