package input

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xsell/xsell/wasm/blob"
)

func trim(b []byte) string { return strings.TrimSpace(string(b)) }

// parsePrice reads a non-negative finite number.
func parsePrice(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errf(ErrValue, "want a number such as 12.50, got %q", s)
	}
	if v < 0 {
		return 0, errf(ErrValue, "want a price of 0 or more, got %q", s)
	}
	return v, nil
}

// parseCount reads a whole number 0..max.
func parseCount(s string, max uint64) (uint64, error) {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v > max {
		return 0, errf(ErrValue, "want a whole number from 0 to %d, got %q", max, s)
	}
	return v, nil
}

// parseStock reads "in", "out", "yes/no" or a quantity.
func parseStock(s string) (int32, error) {
	switch strings.ToLower(s) {
	case "":
		return blob.StockUnknown, nil
	case "in", "in_stock", "instock", "yes", "true", "available":
		return blob.StockIn, nil
	case "out", "out_of_stock", "outofstock", "no", "false", "sold_out":
		return 0, nil
	}
	v, err := strconv.ParseInt(s, 10, 32)
	if err != nil || v < 0 || v >= int64(blob.StockIn) {
		return 0, errf(ErrValue, "want in, out or a quantity of 0 or more, got %q", s)
	}
	return int32(v), nil
}

// parseShare reads a margin as a fraction (0.35) or a percentage ("35%").
func parseShare(s string) (float64, error) {
	pct := strings.HasSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
	if err == nil && pct {
		v /= 100
	}
	if err != nil || math.IsNaN(v) || v < -1 || v > 1 {
		return 0, errf(ErrValue, "want a margin between 0 and 1 (or 0%% to 100%%), got %q", s)
	}
	return v, nil
}

// parsePercent reads a discount in percent 0 <= d < 100 ("10" or "10%").
func parsePercent(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
	if err != nil || !(v >= 0 && v < 100) {
		return 0, errf(ErrValue, "want a discount in percent from 0 to below 100, got %q", s)
	}
	return v, nil
}

// parseMMDD reads "MM-DD" as month*100+day.
func parseMMDD(s string) (uint16, bool) {
	if len(s) != 5 || s[2] != '-' {
		return 0, false
	}
	m, err1 := strconv.Atoi(s[:2])
	d, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || m < 1 || m > 12 || d < 1 || d > int(daysIn[m]) {
		return 0, false
	}
	return uint16(m*100 + d), true
}

var daysIn = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// parseSeason reads a window "MM-DD..MM-DD"; it may wrap the new year.
func parseSeason(s string) (from, to uint16, err error) {
	a, b, ok := strings.Cut(s, "..")
	if ok {
		from, ok = parseMMDD(strings.TrimSpace(a))
	}
	if ok {
		to, ok = parseMMDD(strings.TrimSpace(b))
	}
	if !ok {
		return 0, 0, errf(ErrValue, "want a season window MM-DD..MM-DD with real dates (e.g. 11-01..12-31), got %q", s)
	}
	return from, to, nil
}

// dateLayouts are the date forms accepted for matrix validity.
var dateLayouts = []string{"2006-01-02", time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04"}

// parseDate reads a date or date-time as Unix seconds (UTC); endOfDay moves
// a bare date to its last second, so a valid_to date is inclusive.
func parseDate(s string, endOfDay bool) (int64, error) {
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			if endOfDay && l == "2006-01-02" {
				t = t.Add(24*time.Hour - time.Second)
			}
			return t.Unix(), nil
		}
	}
	return 0, errf(ErrValue, "want a real date YYYY-MM-DD (or RFC 3339 date-time), got %q", s)
}

// timeLayouts are the order timestamp forms, tried after Unix seconds.
var timeLayouts = []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02", "1/2/2006 15:04", "1/2/2006 15:04:05", "1/2/2006"}

// parseTime reads an order time: Unix seconds or a date-time (UTC).
func parseTime(s string) (int64, error) {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		if v < 0 || v > 1<<40 {
			return 0, errf(ErrValue, "want Unix seconds or a date-time, got %q", s)
		}
		return v, nil
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.Unix(), nil
		}
	}
	return 0, errf(ErrValue, "want Unix seconds or a date-time such as 2024-03-01 14:05:00, got %q", s)
}

// splitList splits a list field on |, ; or whitespace (and commas, which a
// quoted field may hold), dropping empty entries.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == '|' || r == ';' || r == ',' || r == ' ' || r == '\t'
	})
}
