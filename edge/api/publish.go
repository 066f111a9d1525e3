package api

import (
	"encoding/json"
	"errors"

	"github.com/klauspost/compress/zstd"
	"github.com/xsell/xsell/wasm/blob"
)

// publishLimits keep a decode inside the worker's 128 MB: a body that
// inflates past MaxRawBytes is refused before it is inflated.
var publishLimits = blob.Limits{
	MaxRawBytes: 48 << 20,
	MaxItems:    500_000,
	MaxPairs:    8_000_000,
	MaxStrings:  2_000_000,
	MaxRows:     2_000_000,
}

// Kinds of upload, the last part of OpPublish's answer.
const (
	KindBlob  = "blob"  // a whole blob: published as it is
	KindHead  = "head"  // the head of a sharded blob: published once its shards are stored
	KindShard = "shard" // a pair shard: stored, never published on its own
)

// Published is what the shell stores for one upload.
type Published struct {
	Kind string
	// Manifest describes a blob or head (a head's shards with Size 0: the
	// shell fills them from what it stored). Zero for a shard.
	Manifest blob.Manifest
	// Shard describes a pair shard; nil otherwise.
	Shard   *ShardInfo
	Raw     []byte // the same blob with its body uncompressed (same hash)
	RawZstd []byte // Raw compressed as HTTP Content-Encoding: zstd
}

// ShardInfo describes an uploaded pair shard: which head's anchors it holds
// is the head's to say (it lists the shard's hash).
type ShardInfo struct {
	Hash    string `json:"hash"`
	Size    int64  `json:"size"`     // as uploaded (and stored under blobs/<hash>)
	RawSize int64  `json:"raw_size"` // header + uncompressed body
	Index   int    `json:"index"`
	Items   int    `json:"items"` // the head's item count
	From    uint32 `json:"from"`  // first anchor (item number)
	To      uint32 `json:"to"`    // one past the last anchor
	Pairs   int    `json:"pairs"`
}

// Prepare validates an upload with the core (header, version, hash, limits,
// full decode and column checks) and prepares the forms the edge serves.
// A blob or head is decoded with blob.Decode, a pair shard (header flag
// blob.FlagShard) with blob.DecodeShard; each keeps its flags and hash in
// the raw form. created is not read from the clock: it comes from the blob.
func Prepare(src []byte, maxBytes int) (*Published, error) {
	if maxBytes > 0 && len(src) > maxBytes {
		return nil, errorf(413, "too_large", ErrTooLarge, "blob is %d bytes, limit %d", len(src), maxBytes)
	}
	p := &Published{Kind: KindBlob}
	if h, err := blob.ParseHeader(src); err == nil && h.Flags&blob.FlagShard != 0 {
		s, err := blob.DecodeShard(src, blob.DecodeOptions{Limits: publishLimits}, false)
		if err != nil {
			return nil, rejected("shard", err)
		}
		p.Kind = KindShard
		p.Shard = &ShardInfo{Hash: s.Header.HashHex(), Size: int64(len(src)), RawSize: int64(blob.HeaderSize + s.Header.RawLen),
			Index: s.Index, Items: s.Items, From: s.From, To: s.To, Pairs: len(s.PairTo)}
	} else {
		b, err := blob.Decode(src, blob.DecodeOptions{Limits: publishLimits})
		if err != nil {
			return nil, rejected("blob", err)
		}
		p.Manifest = blob.ManifestFor(b, src)
		if b.Sharded() {
			p.Kind = KindHead
		}
	}
	raw, err := blob.Recode(src, true, publishLimits)
	if err != nil {
		return nil, rejected(p.Kind, err)
	}
	zw, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(1<<22))
	if err != nil {
		return nil, err
	}
	defer zw.Close()
	p.Raw = raw
	p.RawZstd = zw.EncodeAll(raw, make([]byte, 0, len(src)+len(src)/8))
	return p, nil
}

// rejected maps a core decode error to the 422 the upload answers.
func rejected(what string, err error) error {
	code := "bad_blob"
	switch {
	case errors.Is(err, blob.ErrVersion):
		code = "unsupported_version"
	case errors.Is(err, blob.ErrHash):
		code = "hash_mismatch"
	case errors.Is(err, blob.ErrLimit):
		code = "over_limit"
	case errors.Is(err, blob.ErrTruncated):
		code = "truncated"
	case errors.Is(err, blob.ErrMagic):
		code = "not_a_blob"
	}
	return errorf(422, code, ErrBadBlob, "%s rejected, nothing published: %v", what, err)
}

// publish answers [description JSON, hash, raw form, zstd of raw form, kind]:
// the manifest for a blob or head, the ShardInfo for a shard.
func (c *Core) publish(src []byte) ([][]byte, error) {
	p, err := Prepare(src, c.MaxBlob)
	if err != nil {
		return nil, err
	}
	var desc any = p.Manifest
	hash := p.Manifest.Hash
	if p.Shard != nil {
		desc, hash = p.Shard, p.Shard.Hash
	}
	m, err := json.Marshal(desc)
	if err != nil {
		return nil, err
	}
	return [][]byte{m, []byte(hash), p.Raw, p.RawZstd, []byte(p.Kind)}, nil
}
