package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/xsell/xsell/matrixgen/internal/synth"
)

// cliRows times the user's path: write the log as long-form CSV, then run
// this very binary's "build" on it in a child process (parse, mine with the
// defaults, encode the blob). Failures become a row that says why.
func cliRows(cfg config, log *synth.Log, stderr io.Writer) []row {
	dir, err := os.MkdirTemp(cfg.tmp, "xsell-bench-")
	if err != nil {
		return []row{{name: "cli", note: "skipped: " + err.Error()}}
	}
	defer os.RemoveAll(dir)
	csvPath := filepath.Join(dir, "orders.csv")
	fmt.Fprintf(stderr, "bench: writing %s...\n", csvPath)
	mw, err := measure(func() error { return writeFile(csvPath, log) })
	if err != nil {
		return []row{{name: "cli: write orders.csv", note: "failed: " + err.Error()}}
	}
	st, _ := os.Stat(csvPath)
	rows := []row{{name: "cli: write orders.csv", m: mw, lines: len(log.Items), note: fmt.Sprintf("%s (not part of the ratio)", size(uint64(st.Size())))}}

	exe := cfg.exe
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return append(rows, row{name: "cli: matrixgen build", note: "skipped: " + err.Error()})
		}
	}
	out := filepath.Join(dir, "bench.blob")
	args := []string{"build", "--orders", csvPath, "-o", out, "-q", "--created", "0"}
	if cfg.workers > 0 {
		args = append(args, "--workers", fmt.Sprint(cfg.workers))
	}
	if !cfg.triples {
		args = append(args, "--no-triples")
	}
	fmt.Fprintf(stderr, "bench: %s %v...\n", filepath.Base(exe), args)
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	t0 := time.Now()
	err = cmd.Run()
	m := measurement{wall: time.Since(t0)}
	if cmd.ProcessState != nil {
		m.cpu, m.rss = childUsage(cmd.ProcessState)
	}
	if err != nil {
		return append(rows, row{name: "cli: matrixgen build", note: "failed: " + err.Error()})
	}
	st, err = os.Stat(out)
	if err != nil {
		return append(rows, row{name: "cli: matrixgen build", note: "no blob: " + err.Error()})
	}
	return append(rows, row{name: "cli: matrixgen build", m: m, lines: len(log.Items), compare: true, note: fmt.Sprintf("parse+mine+encode, blob %s", size(uint64(st.Size())))})
}

func writeFile(path string, log *synth.Log) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := log.WriteCSV(w); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
