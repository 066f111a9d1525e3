package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strconv"
)

// ExportHeader is the CSV header matrixgen build --feedback reads.
var ExportHeader = []string{"anchor", "item", "shown", "clicked", "added", "bought", "dismissed"}

// PairRow is acceptance for one anchor → item pair, summed over days.
// Anchor "" means "any anchor" and is written as "*".
type PairRow struct {
	Anchor    string `json:"anchor"`
	Item      string `json:"item"`
	Shown     int64  `json:"shown"`
	Clicked   int64  `json:"clicked"`
	Added     int64  `json:"added"`
	Bought    int64  `json:"bought"`
	Dismissed int64  `json:"dismissed"`
}

// WriteExport writes rows as the feedback CSV. encoding/csv quotes what
// needs quoting, so an id with a comma, quote or newline stays one field.
func WriteExport(rows []PairRow) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(ExportHeader); err != nil {
		return nil, err
	}
	rec := make([]string, len(ExportHeader))
	for _, r := range rows {
		rec[0] = r.Anchor
		if rec[0] == "" {
			rec[0] = "*"
		}
		rec[1] = r.Item
		for i, n := range []int64{r.Shown, r.Clicked, r.Added, r.Bought, r.Dismissed} {
			rec[2+i] = strconv.FormatInt(n, 10)
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

func export(in []byte) ([][]byte, error) {
	var rows []PairRow
	if err := json.Unmarshal(in, &rows); err != nil {
		return nil, errorf(500, "internal", ErrBadJSON, "export rows: %s", jsonMessage(err))
	}
	out, err := WriteExport(rows)
	if err != nil {
		return nil, err
	}
	return [][]byte{out}, nil
}
