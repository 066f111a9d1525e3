package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xsell/xsell/wasm/blob"
)

// TestBuildSharded: --shard-pairs writes the head as OUT.blob, each shard as
// OUT.shards/<hash>.blob and a manifest listing them; inspect and explain
// read the head with its shards and see the same pairs as the whole blob;
// a whole build to the same OUT removes the shards.
func TestBuildSharded(t *testing.T) {
	wholePath := buildSample(t)
	out := filepath.Join(t.TempDir(), "shop.blob")
	build := func(shardPairs string) (int, string) {
		code, _, stderr := runCLI(t, nil, "build",
			"--orders", filepath.Join(sample, "online-retail-sample.csv"), "--orders-format", "online-retail",
			"--catalog", filepath.Join(sample, "catalog.csv"), "--matrix", filepath.Join(sample, "matrix.csv"),
			"--policy", filepath.Join(sample, "policy.json"), "--no-triples", "--shard-pairs", shardPairs, "-o", out)
		return code, stderr
	}
	code, stderr := build("8000")
	if code != exitOK || !strings.Contains(stderr, "pair shards in "+shardDir(out)) {
		t.Fatalf("build: exit %d\n%s", code, stderr)
	}
	head, headBytes := readBuilt(t, out)
	if !head.Sharded() || head.Shards.Count() < 3 {
		t.Fatalf("head lists %d shards, want several", head.Shards.Count())
	}
	man := readManifest(t, out)
	if man.Hash != head.Header.HashHex() || man.Size != int64(len(headBytes)) || man.Version != "1.1" || len(man.Shards) != head.Shards.Count() {
		t.Fatalf("manifest %+v", man)
	}
	files, _ := os.ReadDir(shardDir(out))
	if len(files) != len(man.Shards) {
		t.Errorf("%d files in %s, want %d", len(files), shardDir(out), len(man.Shards))
	}
	for i, s := range man.Shards {
		data, err := os.ReadFile(shardPath(out, s.Hash))
		if err != nil {
			t.Fatalf("shard %d: %v", i, err)
		}
		ps, err := blob.DecodeShard(data, blob.DecodeOptions{}, false)
		if err != nil {
			t.Fatalf("shard %d: %v", i, err)
		}
		from, to := head.Shards.From[i], head.Shards.From[i+1]
		if ps.Header.HashHex() != s.Hash || ps.Index != i || s.Size != int64(len(data)) ||
			s.From != head.Items.ID[from] || s.To != head.Items.ID[to-1] || ps.From != from || ps.To != to {
			t.Errorf("shard %d: manifest %+v, file index %d anchors %d..%d", i, s, ps.Index, ps.From, ps.To)
		}
	}

	// The head with its shards is the whole blob's pairs.
	e := &env{stdout: &strings.Builder{}, stderr: &strings.Builder{}}
	got, _, err := e.loadBlob(out)
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := e.loadBlob(wholePath)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Pairs, want.Pairs) || man.Counts.Pairs != len(want.Pairs.To) {
		t.Errorf("sharded pairs differ from the whole blob's (manifest counts %d, whole %d)", man.Counts.Pairs, len(want.Pairs.To))
	}
	code, stdout, stderr := runCLI(t, nil, "inspect", out, "--items", "1")
	if code != exitOK || !strings.Contains(stdout, "pair shards:") || !strings.Contains(stdout, man.Shards[1].Hash) || !strings.Contains(stdout, "85123A  WHITE HANGING") {
		t.Errorf("inspect: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := runCLI(t, nil, "explain", out, "22112", "22835"); code != exitOK || !strings.Contains(stdout, "B is neighbour") {
		t.Errorf("explain: exit %d\n%s%s", code, stdout, stderr)
	}

	// A missing shard is named.
	gone := shardPath(out, man.Shards[2].Hash)
	keep, _ := os.ReadFile(gone)
	os.Remove(gone)
	if code, _, stderr := runCLI(t, nil, "inspect", out); code != exitInput || !strings.Contains(stderr, "shard 2") || !strings.Contains(stderr, man.Shards[2].Hash) {
		t.Errorf("inspect without shard 2: exit %d\n%s", code, stderr)
	}
	os.WriteFile(gone, keep, 0o644)

	// auto leaves the sample whole (55k pairs); the stale shards go.
	if code, stderr := build("auto"); code != exitOK || strings.Contains(stderr, "sharded") {
		t.Fatalf("auto: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(shardDir(out)); !os.IsNotExist(err) {
		t.Errorf("%s left after a whole build: %v", shardDir(out), err)
	}
	if code, stderr := build("lots"); code != exitMisuse || !strings.Contains(stderr, "shard-pairs") {
		t.Errorf("bad --shard-pairs: exit %d\n%s", code, stderr)
	}
}
