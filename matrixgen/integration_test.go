//go:build integration

package main

// Integration tests run the real matrixgen binary (built by
// scripts/test.sh) as a separate process: exit statuses through os.Exit,
// stdout and stderr kept apart, no progress bar when stderr is a pipe.

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func binary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("MATRIXGEN")
	if bin == "" {
		t.Skip("MATRIXGEN is not set (scripts/test.sh sets it)")
	}
	return bin
}

func runBinary(t *testing.T, stdin []byte, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out.String(), errOut.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errOut.String()
}

func TestIntegrationBinary(t *testing.T) {
	dir := t.TempDir()
	groceries, err := os.ReadFile(filepath.Join(sample, "groceries.csv"))
	if err != nil {
		t.Fatal(err)
	}
	blobPath := filepath.Join(dir, "g.blob")
	tests := []struct {
		name   string
		stdin  []byte
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"usage", nil, nil, 2, "", "Usage:"},
		{"help", nil, []string{"build", "--help"}, 0, "Usage: matrixgen build", ""},
		{"build from stdin", groceries, []string{"build", "--orders", "-", "--orders-format", "baskets", "--no-triples", "-o", blobPath}, 0, "", "wrote " + blobPath},
		{"inspect", nil, []string{"inspect", blobPath}, 0, "9835 from 9835 lines", ""},
		{"explain", nil, []string{"explain", blobPath, "whole milk", "other vegetables"}, 0, "lift", ""},
		{"bad input", []byte("order_id,item_id,time\n1,a,soon\n"), []string{"build", "--orders", "-", "-o", filepath.Join(dir, "x.blob")}, 1, "", `stdin:2:5: time: want Unix seconds`},
		{"misuse", nil, []string{"explain", blobPath}, 2, "", "want BLOB ITEM_A ITEM_B"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runBinary(t, tc.stdin, tc.args...)
			if code != tc.code || !strings.Contains(stdout, tc.stdout) || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d (want %d)\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			if strings.Contains(stderr, "\r") || strings.Contains(stderr, "\033[") {
				t.Errorf("progress drawn on a pipe: %q", stderr)
			}
		})
	}
}

// TestIntegrationSampleBlob checks the blob build.sh made for the demo.
func TestIntegrationSampleBlob(t *testing.T) {
	out := os.Getenv("OUT")
	if out == "" {
		t.Skip("OUT is not set")
	}
	p := filepath.Join(out, "sample.blob")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("no sample blob: %v", err)
	}
	code, stdout, stderr := runBinary(t, nil, "inspect", p)
	if code != 0 || !strings.Contains(stdout, "curated rows") {
		t.Fatalf("inspect %s: %d\n%s%s", p, code, stdout, stderr)
	}
	html := filepath.Join(t.TempDir(), "report.html")
	code, _, stderr = runBinary(t, nil, "report", p, "-o", html)
	if code != 0 {
		t.Fatalf("report: %d %s", code, stderr)
	}
	if data, err := os.ReadFile(html); err != nil || !bytes.Contains(data, []byte("Curated pairs")) {
		t.Errorf("report: %v", err)
	}
}
