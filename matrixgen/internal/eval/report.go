package eval

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// Print writes the run's parameters and the results table: one row per
// metric, one column per method, then the best baseline and the first
// method's ratio to it with its bootstrap interval.
func (r *Result) Print(w io.Writer, params string) {
	c := r.Config
	fmt.Fprintf(w, "split:      %s (test share %.2f)\n", r.Split, c.TestFrac)
	fmt.Fprintf(w, "test:       %d of %d eligible baskets (>= 2 items)", r.Used, r.Eligible)
	if c.MaxTestBaskets > 0 && r.Used < r.Eligible {
		fmt.Fprintf(w, ", subsampled with seed %d (--max-test-baskets %d)", c.Seed, c.MaxTestBaskets)
	}
	fmt.Fprintf(w, "; %d hide-one queries; %.1f%% of hidden items never occur in training\n", r.Queries, 100*r.Unseen)
	fmt.Fprintf(w, "catalog:    %d items known from training (coverage denominator)\n", r.Known)
	fmt.Fprintf(w, "seed:       %d; bootstrap: %d replicates over baskets, 95%% percentile intervals (none for coverage, a count of distinct items)\n", c.Seed, c.Bootstrap)
	fmt.Fprintf(w, "baselines:  whole-basket sums of the pair measure over every cart item; confidence and lift need n_AB >= %d; free slots filled with the most popular (counted as fallbacks)\n", c.MinCount)
	if params != "" {
		fmt.Fprintf(w, "%s\n", strings.TrimRight(params, "\n"))
	}
	fmt.Fprintln(w)

	s := &r.Summary
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"metric"}
	head = append(head, s.Methods...)
	head = append(head, "best baseline", "ratio [95% CI]", "")
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for m := range nMetrics {
		row := []string{MetricNames[m]}
		for i := range s.Methods {
			v := s.Est[i][m].Value
			if i == 0 && c.Bootstrap > 0 {
				row = append(row, fmt.Sprintf("%.4f %s", v, fmtCI(s.Est[i][m])))
			} else {
				row = append(row, fmt.Sprintf("%.4f", v))
			}
		}
		if b := s.Best[m]; b >= 0 && math.IsNaN(s.Ratio[m].Value) {
			row = append(row, s.Methods[b], "-")
		} else if b >= 0 {
			rt := s.Ratio[m]
			ci := ""
			if c.Bootstrap > 0 && !math.IsNaN(rt.Lo) {
				ci = fmt.Sprintf(" [%s, %s]", fmtRatio(rt.Lo), fmtRatio(rt.Hi))
			}
			row = append(row, s.Methods[b], fmtRatio(rt.Value)+ci)
		} else {
			row = append(row, "-", "-")
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	tw.Flush()
	if b := s.Best[mHR3]; b >= 0 {
		rt := s.Ratio[mHR3]
		fmt.Fprintf(w, "\ngoal (issue 6): HR@3 %.4f vs %s %.4f: ratio %s (want >= 1.10); Cov@3 %.4f vs %s's %.4f (want >=)\n",
			s.Est[0][mHR3].Value, s.Methods[b], s.Est[b][mHR3].Value, fmtRatio(rt.Value),
			s.Est[0][mCov3].Value, s.Methods[b], s.Est[b][mCov3].Value)
	}
	fmt.Fprintln(w)
	if c.Bootstrap > 0 && len(s.Methods) > 1 {
		fmt.Fprintln(w, "95% intervals of the other methods:")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, strings.Join(append([]string{"metric"}, s.Methods[1:]...), "\t")+"\t")
		for m := range nMetrics {
			row := []string{MetricNames[m]}
			for i := 1; i < len(s.Methods); i++ {
				row = append(row, fmtCI(s.Est[i][m]))
			}
			fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	var times []string
	for i, d := range r.Elapsed {
		times = append(times, fmt.Sprintf("%s %.2fs", s.Methods[i], d.Seconds()))
	}
	fmt.Fprintf(w, "time: build %.2fs; protocol %s\n", r.Build.Seconds(), strings.Join(times, ", "))
}

func fmtRatio(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	if math.IsInf(v, 1) {
		return "inf"
	}
	return fmt.Sprintf("%.3f", v)
}

// fmtCI prints an interval, or a placeholder of the same width when the
// metric has none (coverage).
func fmtCI(e Estimate) string {
	if math.IsNaN(e.Lo) {
		return "[   no interval  ]"
	}
	return fmt.Sprintf("[%.4f, %.4f]", e.Lo, e.Hi)
}
