package blob

// Manifest describes the published blob; matrixgen writes it beside the
// blob as JSON and the edge serves it at /v1/manifest.
type Manifest struct {
	// Version is the blob format version, "major.minor".
	Version string `json:"version"`
	// Hash is the content address: hex SHA-256 of the raw body.
	Hash string `json:"hash"`
	// Size is the blob's size in bytes as stored (header + body).
	Size int64 `json:"size"`
	// RawSize is the size with the body uncompressed.
	RawSize int64 `json:"raw_size"`
	// Created is the build time, RFC 3339 UTC.
	Created string `json:"created"`
	Counts  Counts `json:"counts"`
	// Shards lists the blob's parts: a blob that is not split has one, the
	// blob itself; the head of a sharded blob lists its pair shards in index
	// order (the head itself is Hash).
	Shards []Shard `json:"shards"`
	// Experiments names the A/B experiments and their variants.
	Experiments []ExperimentInfo `json:"experiments,omitempty"`
}

// Counts summarises what a blob holds.
type Counts struct {
	Items    int    `json:"items"`
	Pairs    int    `json:"pairs"`
	Triples  int    `json:"triples"`
	Matrix   int    `json:"matrix"`
	Feedback int    `json:"feedback"`
	Orders   uint32 `json:"orders"`
	Lines    uint64 `json:"lines"`
}

// Shard is one part of a blob. For a pair shard, From and To are the ids of
// its first and last anchor item (inclusive, in the blob's item order) and
// Size is its size as stored; ManifestFor leaves Size 0 for the caller that
// has the shard's bytes to fill in.
type Shard struct {
	Hash string `json:"hash"`
	Size int64  `json:"size"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// ExperimentInfo names an experiment and its variants.
type ExperimentInfo struct {
	Name     string   `json:"name"`
	Variants []string `json:"variants"`
}

// ManifestFor describes an encoded blob. created is RFC 3339, passed in
// because the core does not read the clock.
func ManifestFor(b *Blob, encoded []byte) Manifest {
	h := b.Header
	m := Manifest{
		Version: itoa(int(h.Major)) + "." + itoa(int(h.Minor)),
		Hash:    h.HashHex(),
		Size:    int64(len(encoded)),
		RawSize: int64(HeaderSize + h.RawLen),
		Created: unixRFC3339(b.Created),
		Counts: Counts{Items: b.Items.Len(), Pairs: len(b.Pairs.To), Triples: len(b.Triples.To),
			Matrix: b.Matrix.Len(), Feedback: b.Feedback.Len(), Orders: b.Stats.Orders, Lines: b.Stats.Lines},
		Shards: []Shard{{Hash: h.HashHex(), Size: int64(len(encoded))}},
	}
	if b.Sharded() {
		// A head's pair rows are in its shards; its offsets still count them.
		m.Counts.Pairs = int(b.Pairs.Off[len(b.Pairs.Off)-1])
		sh := &b.Shards
		m.Shards = make([]Shard, sh.Count())
		for i := range m.Shards {
			m.Shards[i] = Shard{Hash: Header{Hash: sh.Hash[i]}.HashHex(), From: b.Items.ID[sh.From[i]], To: b.Items.ID[sh.From[i+1]-1]}
		}
	}
	for _, e := range b.Policy.Experiments {
		info := ExperimentInfo{Name: e.Name}
		for _, v := range e.Variants {
			info.Variants = append(info.Variants, v.Name)
		}
		m.Experiments = append(m.Experiments, info)
	}
	return m
}
