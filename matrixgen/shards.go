package main

// Sharded output (--shard-pairs): OUT.blob is the head, each pair shard is
// OUT.shards/<hash>.blob, and OUT.manifest.json lists the shards. The other
// commands read a head with its shards from the same directory, so they
// see the whole blob.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/xsell/xsell/wasm/blob"
	"github.com/xsell/xsell/wasm/engine"
)

// Automatic sharding (--shard-pairs auto): a blob with more mined pairs than
// autoShardAbove is cut into shards of about autoShardPairs pairs. Pair rows
// are ~12 bytes a pair raw, so a shard is ~600 KB raw (a few hundred KB
// compressed), and a page that shows a few items fetches one or two of them
// instead of the whole pair table; below 200k pairs the whole blob is a few
// MB and one request is cheaper than several.
const (
	autoShardAbove = 200_000
	autoShardPairs = 50_000
)

// shardFlag is --shard-pairs: 0 (one whole blob), N (shards of about N
// pairs) or auto.
type shardFlag struct {
	auto bool
	n    int
}

func (s *shardFlag) String() string {
	if s == nil || !s.auto && s.n == 0 {
		return "0"
	}
	if s.auto {
		return "auto"
	}
	return strconv.Itoa(s.n)
}

func (s *shardFlag) Set(v string) error {
	if v == "auto" {
		*s = shardFlag{auto: true}
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return errors.New(`want a number of pairs per shard (0: no shards) or "auto"`)
	}
	*s = shardFlag{n: n}
	return nil
}

// pairsPerShard answers how many pairs a shard gets for a blob of pairs
// mined pairs; 0 means no shards.
func (s shardFlag) pairsPerShard(pairs int) int {
	if s.auto {
		if pairs > autoShardAbove {
			return autoShardPairs
		}
		return 0
	}
	return s.n
}

// shardDir is where a head's shards go: shop.blob → shop.shards/.
func shardDir(out string) string {
	return strings.TrimSuffix(out, ".blob") + ".shards"
}

func shardPath(out, hash string) string {
	return filepath.Join(shardDir(out), hash+".blob")
}

var shardFile = regexp.MustCompile(`^[0-9a-f]{64}\.blob$`)

// writeShards writes each shard as OUT.shards/<hash>.blob. Called before the
// head is written, so a head on disk always has its shards beside it.
func writeShards(out string, head *blob.Blob, shards [][]byte) error {
	for i, s := range shards {
		if err := writeFile(shardPath(out, blob.Header{Hash: head.Shards.Hash[i]}.HashHex()), s); err != nil {
			return err
		}
	}
	return nil
}

// pruneShards removes from OUT.shards the shard files the new head does not
// list (those of an earlier build), and the directory when nothing is left.
// Called after the head is written; only files named <64 hex>.blob are
// touched.
func pruneShards(out string, head *blob.Blob) error {
	dir := shardDir(out)
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, h := range head.Shards.Hash {
		keep[blob.Header{Hash: h}.HashHex()+".blob"] = true
	}
	left := 0
	for _, e := range ents {
		if !shardFile.MatchString(e.Name()) || keep[e.Name()] {
			left++
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	if left == 0 {
		return os.Remove(dir)
	}
	return nil
}

// readShards reads the shards of a head from BLOB.shards/ and answers the
// whole blob (the head with every pair row filled in, checked by
// engine.AddShard against the head's hashes and ranges) and each shard's
// bytes as read. A missing or wrong shard is an error that names its file.
func (e *env) readShards(path string, head *blob.Blob) (*blob.Blob, [][]byte, error) {
	eng, err := engine.New(head)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	files := make([][]byte, head.Shards.Count())
	for i, h := range head.Shards.Hash {
		name := shardPath(path, blob.Header{Hash: h}.HashHex())
		rc, _, err := e.open(name)
		if err != nil {
			return nil, nil, fmt.Errorf("shard %d of %s: %w (matrixgen build writes a head's shards beside it, in %s)", i, displayName(path), err, shardDir(path))
		}
		data, err := io.ReadAll(io.LimitReader(rc, int64(blob.DefaultLimits.MaxRawBytes)+1))
		rc.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		s, err := blob.DecodeShard(data, blob.DecodeOptions{}, false)
		if err == nil && s.Index != i {
			err = fmt.Errorf("it is shard %d, the head lists it as shard %d", s.Index, i)
		}
		if err == nil {
			err = eng.AddShard(s)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		files[i] = data
	}
	return eng.Blob(), files, nil
}
