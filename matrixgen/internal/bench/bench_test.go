package bench

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/xsell/xsell/matrixgen/internal/mine"
	"github.com/xsell/xsell/matrixgen/internal/synth"
	"github.com/xsell/xsell/wasm/blob"
)

func TestRunTable(t *testing.T) {
	var out, errs bytes.Buffer
	if err := Run([]string{"--orders", "3000,6000", "--items", "300", "--cli=false", "--seed", "9"}, &out, &errs); err != nil {
		t.Fatalf("Run: %v\n%s", err, errs.String())
	}
	s := out.String()
	for _, want := range []string{
		"seed 9, 300 items",
		"3,000 orders", "6,000 orders",
		"baseline map[pair]count", "mine: pairs (plain+decayed)", "mine: pairs + triples",
		"counts equal the baseline's",
		"linearity:", "process max RSS:",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "COUNTS DIFFER") {
		t.Errorf("mine and baseline disagree:\n%s", s)
	}
}

func TestRunFlags(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		want  string
		usage bool
	}{
		{"bad size", []string{"--orders", "ten"}, `"ten" is not an order count`, true},
		{"zero size", []string{"--orders", "0"}, "not an order count", true},
		{"unknown flag", []string{"--fast"}, "flag provided but not defined", true},
		{"extra argument", []string{"now"}, `unexpected argument "now"`, true},
		{"bad catalog", []string{"--orders", "10", "--items", "2", "--cli=false"}, "synth: bad config", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errs bytes.Buffer
			err := Run(tc.args, &out, &errs)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
			if errors.Is(err, ErrUsage) != tc.usage {
				t.Fatalf("errors.Is(%v, ErrUsage) = %v, want %v", err, !tc.usage, tc.usage)
			}
		})
	}
	t.Run("help", func(t *testing.T) {
		var out, errs bytes.Buffer
		if err := Run([]string{"--help"}, &out, &errs); !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("err = %v, want flag.ErrHelp", err)
		}
		if !strings.Contains(out.String(), "Usage: matrixgen bench") || !strings.Contains(out.String(), "-orders") {
			t.Fatalf("help output:\n%s", out.String())
		}
	})
}

func TestBaselineAgreesWithMine(t *testing.T) {
	log, err := synth.Generate(synth.Config{Orders: 20_000, Items: 500, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	// Duplicate lines inside orders must count once in both.
	off, items := []uint32{0}, []uint32{}
	for o := range log.Len() {
		its := log.Items[log.Off[o]:log.Off[o+1]]
		items = append(items, its...)
		items = append(items, its[0])
		off = append(off, uint32(len(items)))
	}
	base := baseline(off, items, log.NItems)
	res, err := mine.Mine(&mine.Baskets{Off: off, Items: items, NItems: log.NItems}, mine.Options{Mining: blob.DefaultPolicy().Mining})
	if err != nil {
		t.Fatal(err)
	}
	if got := agree(base, res); got != "counts equal the baseline's" {
		t.Fatal(got)
	}
	if len(res.Pairs.To) == 0 {
		t.Fatal("no pairs kept: the comparison checked nothing")
	}
	res.Pairs.NAB[len(res.Pairs.NAB)/2]++
	if got := agree(base, res); !strings.HasPrefix(got, "COUNTS DIFFER: n_AB") {
		t.Fatalf("a wrong count went unnoticed: %q", got)
	}
}

func TestCLIRows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses /bin/sh")
	}
	log, err := synth.Generate(synth.Config{Orders: 500, Items: 50})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// A stand-in for matrixgen that writes the blob path it is given: the
	// rows must time it and report the blob's size.
	fake := filepath.Join(dir, "fake-matrixgen")
	script := "#!/bin/sh\nwhile [ $# -gt 0 ]; do if [ \"$1\" = -o ]; then head -c 3000 /dev/zero > \"$2\"; fi; shift; done\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	var errs bytes.Buffer
	rows := cliRows(config{tmp: dir, exe: fake, triples: true}, log, &errs)
	if len(rows) != 2 || rows[0].name != "cli: write orders.csv" || rows[1].name != "cli: matrixgen build" {
		t.Fatalf("rows = %+v", rows)
	}
	if rows[1].m.wall <= 0 || !strings.Contains(rows[1].note, "blob") || rows[1].lines != len(log.Items) {
		t.Fatalf("build row = %+v", rows[1])
	}
	rows = cliRows(config{tmp: dir, exe: "/bin/false"}, log, &errs)
	if len(rows) != 2 || !strings.HasPrefix(rows[1].note, "failed:") {
		t.Fatalf("a failing build gave rows %+v", rows)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "xsell-bench-*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}
