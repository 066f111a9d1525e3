package input

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// baskets renders orders as item ids per order, for comparisons.
func baskets(o *Orders) [][]string {
	var out [][]string
	for i := 0; i < o.Len(); i++ {
		var b []string
		for _, x := range o.Basket(i) {
			b = append(b, o.ItemIDs[x])
		}
		out = append(out, b)
	}
	return out
}

func TestOrdersFormats(t *testing.T) {
	tests := []struct {
		name, format, text string
		want               [][]string
		customers          []string
		times              []int64
	}{
		{"long", FormatLong, "order_id,item_id,quantity\n1,a,1\n1,b,2\n2,b,1\n",
			[][]string{{"a", "b"}, {"b"}}, nil, nil},
		{"long with aliases and BOM", FormatAuto, "\xef\xbb\xbfOrder,SKU,Qty,Customer,Timestamp\n1,a,1,c1,2024-03-01 10:00:00\n1,b,1,c1,2024-03-01 10:00:00\n2,a,1,,1709300000\n",
			[][]string{{"a", "b"}, {"a"}}, []string{"c1"}, []int64{1709287200, 1709300000}},
		{"orders not contiguous", FormatLong, "order_id,item_id\n1,a\n2,b\n1,c\n3,d\n2,e\n",
			[][]string{{"a", "c"}, {"b", "e"}, {"d"}}, nil, nil},
		{"zero quantity skipped, empty order dropped", FormatLong, "order_id,item_id,quantity\n1,a,0\n2,b,3\n",
			[][]string{{"b"}}, nil, nil},
		{"baskets with commas", FormatBaskets, "whole milk,yogurt\n\ncream cheese ,\"salt, fine\"\n",
			[][]string{{"whole milk", "yogurt"}, {"cream cheese", "salt, fine"}}, nil, nil},
		{"baskets with whitespace", FormatBaskets, "1 2 3\n2\t4\n\n5\n",
			[][]string{{"1", "2", "3"}, {"2", "4"}, {"5"}}, nil, nil},
		{"auto picks baskets", FormatAuto, "milk,bread\nbread\n", [][]string{{"milk", "bread"}, {"bread"}}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, _, err := ReadOrders("orders.csv", strings.NewReader(tc.text), tc.format)
			if err != nil {
				t.Fatal(err)
			}
			if got := baskets(o); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("baskets %q, want %q", got, tc.want)
			}
			if tc.customers != nil && !reflect.DeepEqual(o.CustomerIDs, tc.customers) {
				t.Errorf("customers %q, want %q", o.CustomerIDs, tc.customers)
			}
			if tc.times != nil && !reflect.DeepEqual(o.Time, tc.times) {
				t.Errorf("times %v, want %v", o.Time, tc.times)
			}
		})
	}
}

// TestOnlineRetail: a cancellation cancels the customer's earlier purchase
// of the item; non-products and stock adjustments are skipped and counted.
func TestOnlineRetail(t *testing.T) {
	text := "InvoiceNo,StockCode,Description,Quantity,UnitPrice,CustomerID,Country\n" +
		"1001,85123A,LAMP,2,3.00,17,UK\n" +
		"1001,22029,\"CARD, BIRTHDAY\",1,0.50,17,UK\n" +
		"1001,POST,POSTAGE,1,18.00,17,UK\n" +
		"1002,85123A,LAMP,1,4.00,18,UK\n" +
		"1002,22178,CANDLE,6,1.00,18,UK\n" +
		"C1003,85123A,LAMP,-2,3.00,17,UK\n" + // cancels both lamps of 1001
		"C1004,22178,CANDLE,-2,1.00,18,UK\n" + // partial: 4 candles stay
		"C1005,99999,GONE,-1,1.00,19,UK\n" + // nothing to cancel
		"1006,21000,DAMAGED,-5,0,,UK\n" + // stock adjustment
		"1007,gift_0001_20,VOUCHER,1,16.00,,UK\n" +
		"1008,22029,CARD BIRTHDAY,3,0.40,,UK\n"
	o, ws, err := ReadOrders("retail.csv", strings.NewReader(text), FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	if o.Format != FormatOnlineRetail {
		t.Errorf("format %q", o.Format)
	}
	want := [][]string{{"22029"}, {"85123A", "22178"}, {"22029"}}
	if got := baskets(o); !reflect.DeepEqual(got, want) {
		t.Errorf("baskets %q, want %q", got, want)
	}
	counts := map[string]int{WarnNonProduct: 2, WarnCancelled: 2, WarnCancelUnmatched: 1, WarnNegative: 1}
	for what, n := range counts {
		if ws.Count(what) != n {
			t.Errorf("%s: %d, want %d (%v)", what, ws.Count(what), n, ws)
		}
	}
	if got := o.ItemTitle[0]; got != "LAMP" {
		t.Errorf("title %q", got)
	}
	// Median of 85123A's prices 3 and 4 (the cancellation line does not count).
	if p := o.ItemPrice[0]; math.Abs(p-3.5) > 1e-9 {
		t.Errorf("price of A %v, want 3.5", p)
	}
	if !reflect.DeepEqual(o.Customer, []uint32{1, 2, 0}) {
		t.Errorf("customers %v", o.Customer)
	}
}

func TestOrdersErrors(t *testing.T) {
	tests := []struct {
		errCase
		format string
	}{
		{errCase{"empty", "", ErrEmpty, "orders.csv: the file is empty (want a header line: order_id, item_id)"}, FormatLong},
		{errCase{"no orders", "order_id,item_id\n", ErrEmpty, "orders.csv: no orders (0 lines read, none kept)"}, FormatLong},
		{errCase{"missing item column", "order_id,qty\n1,2\n", ErrMissingColumn, `orders.csv:1: item_id: no "item_id" column in the header (want at least: order_id, item_id)`}, FormatLong},
		{errCase{"bad quantity", "order_id,item_id,quantity\n1,a,two\n", ErrValue, `orders.csv:2:5: quantity: want a number, got "two"`}, FormatLong},
		{errCase{"negative price", "order_id,item_id,price\n1,a,-3\n", ErrValue, `orders.csv:2:5: price: want a price of 0 or more, got "-3"`}, FormatLong},
		{errCase{"bad time", "order_id,item_id,time\n1,a,yesterday\n", ErrValue, `orders.csv:2:5: time: want Unix seconds or a date-time such as 2024-03-01 14:05:00, got "yesterday"`}, FormatLong},
		{errCase{"impossible date", "order_id,item_id,time\n1,a,2024-02-30\n", ErrValue, `orders.csv:2:5: time: want Unix seconds or a date-time such as 2024-03-01 14:05:00, got "2024-02-30"`}, FormatLong},
		{errCase{"short row", "order_id,item_id,quantity\n1,a\n", ErrSyntax, "orders.csv:2:1: 2 fields, the header has 3 (quote fields that contain a comma)"}, FormatLong},
		{errCase{"not UTF-8", "order_id,item_id\n1,caf\xe9\n", ErrEncoding, "orders.csv:2:6: invalid UTF-8 byte 0xe9 (save the file as UTF-8)"}, FormatLong},
		{errCase{"unknown format", "a\n", ErrUnknown, `orders.csv: unknown orders format "json" (want one of long, baskets, online-retail, auto)`}, "json"},
		{errCase{"basket quote", "a,\"b\n", ErrSyntax, "orders.csv:1:3: quoted field is never closed"}, FormatBaskets},
		{errCase{"line too long", strings.Repeat("x", MaxLine+10), ErrTooLong, "orders.csv:1: line is longer than 1048576 bytes"}, FormatBaskets},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadOrders("orders.csv", strings.NewReader(tc.text), tc.format)
			checkErr(t, tc.errCase, err)
		})
	}
}

func TestOrdersWarnings(t *testing.T) {
	o, ws, err := ReadOrders("o.csv", strings.NewReader("order_id,item_id,extra\n1,a,x\n,b,x\n2,,x\n2,c,x\n"), FormatLong)
	if err != nil {
		t.Fatal(err)
	}
	if o.Len() != 2 || ws.Count(WarnEmptyOrder) != 1 || ws.Count(WarnEmptyItem) != 1 || ws.Count("unknown column ignored") != 1 {
		t.Errorf("%d orders, warnings %v", o.Len(), ws)
	}
	if o.Lines != 4 || o.Kept != 2 {
		t.Errorf("lines %d kept %d", o.Lines, o.Kept)
	}
}

// synthLong writes n order lines in long form, about 10 per order.
func synthLong(n int) []byte {
	var b bytes.Buffer
	b.WriteString("order_id,item_id,quantity,price,time,customer_id\n")
	x := uint32(1)
	for i := 0; i < n; i++ {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		fmt.Fprintf(&b, "%d,SKU%d,1,%d.99,%d,C%d\n", i/10, x%20000, x%50, 1700000000+i/10*60, i/10%5000)
	}
	return b.Bytes()
}

func BenchmarkReadOrders(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		data := synthLong(n)
		b.Run(fmt.Sprintf("long/%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			cpu := cpuSeconds()
			for i := 0; i < b.N; i++ {
				o, _, err := ReadOrders("bench.csv", bytes.NewReader(data), FormatLong)
				if err != nil || o.Len() != n/10 {
					b.Fatal(err, o.Len())
				}
			}
			reportRates(b, n, cpu)
		})
		// The baseline: encoding/csv and a map per id, the straightforward way.
		b.Run(fmt.Sprintf("baseline-encoding-csv/%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			cpu := cpuSeconds()
			for i := 0; i < b.N; i++ {
				if got := naiveRead(b, data); got != n/10 {
					b.Fatal(got)
				}
			}
			reportRates(b, n, cpu)
		})
	}
}

// reportRates adds order lines per second of wall time and, where the
// platform tells, per second of CPU time (all goroutines, GC included).
func reportRates(b *testing.B, n int, cpu0 float64) {
	lines := float64(n) * float64(b.N)
	b.ReportMetric(lines/b.Elapsed().Seconds(), "lines/s")
	if cpu0 >= 0 {
		b.ReportMetric(lines/(cpuSeconds()-cpu0), "lines/cpu-s")
	}
}

// naiveRead is what one writes first: encoding/csv, a map from order id to
// its items, item ids as strings.
func naiveRead(b *testing.B, data []byte) int {
	r := csv.NewReader(bytes.NewReader(data))
	if _, err := r.Read(); err != nil {
		b.Fatal(err)
	}
	orders := map[string][]int{}
	items := map[string]int{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		if _, err := strconv.ParseFloat(rec[3], 64); err != nil {
			b.Fatal(err)
		}
		it, ok := items[rec[1]]
		if !ok {
			it = len(items)
			items[rec[1]] = it
		}
		orders[rec[0]] = append(orders[rec[0]], it)
	}
	return len(orders)
}
