package eval

import (
	"encoding/json"
	"math"
)

// JSONResult is the machine-readable form of a Result.
type JSONResult struct {
	Config   Config                         `json:"config"`
	Split    string                         `json:"split"`
	Orders   int                            `json:"orders"`
	Train    int                            `json:"train_orders"`
	Test     int                            `json:"test_orders"`
	Eligible int                            `json:"eligible_baskets"`
	Used     int                            `json:"used_baskets"`
	Queries  int                            `json:"queries"`
	Unseen   float64                        `json:"unseen_hidden_share"`
	Known    int                            `json:"catalog"`
	Methods  map[string]map[string]Estimate `json:"methods"`
	Order    []string                       `json:"method_order"`
	Best     map[string]string              `json:"best_baseline"`
	Ratio    map[string]Estimate            `json:"ratio"`
	Notes    []string                       `json:"notes,omitempty"`
	// Tuning is what matrixgen chose on the training part (nil when the
	// policy sets it).
	Tuning *Tuning `json:"tuning,omitempty"`
}

// JSON returns r for encoding/json.
func (r *Result) JSON() JSONResult {
	j := JSONResult{Config: r.Config, Split: r.Split, Orders: r.Orders, Train: r.Train, Test: r.Test,
		Eligible: r.Eligible, Used: r.Used, Queries: r.Queries, Unseen: r.Unseen, Known: r.Known,
		Methods: map[string]map[string]Estimate{}, Order: r.Summary.Methods,
		Best: map[string]string{}, Ratio: map[string]Estimate{}, Notes: r.Notes}
	s := &r.Summary
	for i, name := range s.Methods {
		m := map[string]Estimate{}
		for k := range nMetrics {
			m[MetricNames[k]] = s.Est[i][k]
		}
		j.Methods[name] = m
	}
	for k := range nMetrics {
		if b := s.Best[k]; b >= 0 {
			j.Best[MetricNames[k]] = s.Methods[b]
			j.Ratio[MetricNames[k]] = s.Ratio[k]
		}
	}
	return j
}

// MarshalJSON writes NaN and infinite bounds (no interval; a ratio over
// zero) as null, which encoding/json cannot write as numbers.
func (e Estimate) MarshalJSON() ([]byte, error) {
	num := func(v float64) any {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return v
	}
	return json.Marshal(map[string]any{"value": num(e.Value), "lo": num(e.Lo), "hi": num(e.Hi)})
}
