package input

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Order formats accepted by ReadOrders.
const (
	FormatAuto         = "auto"          // online-retail or long by the header, else baskets
	FormatLong         = "long"          // one order line per row: order, item, quantity, price, time, customer
	FormatBaskets      = "baskets"       // one basket per line, items separated by commas (or whitespace)
	FormatOnlineRetail = "online-retail" // UCI Online Retail columns, cancellations applied
)

// Formats lists the order formats, for help and errors.
var Formats = []string{FormatLong, FormatBaskets, FormatOnlineRetail, FormatAuto}

// Orders holds order baskets in CSR form over dense item numbers: order o
// has items Items[Off[o]:Off[o+1]] (in file order; an item may repeat) and
// item number i is ItemIDs[i]. Empty orders are dropped.
type Orders struct {
	File, Format string
	Off          []uint32
	Items        []uint32
	ItemIDs      []string
	// Time is each order's time in Unix seconds (0 unknown); nil when the
	// file has no time column.
	Time []int64
	// Customer is each order's customer: 0 unknown, else 1 + an index into
	// CustomerIDs; nil when the file has no customer column.
	Customer    []uint32
	CustomerIDs []string
	// ItemTitle is a description per item when the file has one (Online
	// Retail's Description), else nil. ItemPrice is the median unit price
	// of the item's first PriceSample lines (NaN when none had a price);
	// nil when the file has no price column.
	ItemTitle []string
	ItemPrice []float64
	// Lines counts the data rows read (baskets: lines), Kept the order
	// lines that reached a basket.
	Lines, Kept uint64
}

// MaxOrderLines bounds the order lines one file may hold: baskets use
// 32-bit offsets.
const MaxOrderLines = math.MaxUint32 - 1

// PriceSample is how many lines per item feed the median unit price.
const PriceSample = 255

// Len is the number of (non-empty) orders.
func (o *Orders) Len() int { return len(o.Off) - 1 }

// Basket returns order o's items.
func (o *Orders) Basket(i int) []uint32 { return o.Items[o.Off[i]:o.Off[i+1]] }

var orderColumns = []column{
	{name: "order_id", aliases: []string{"order", "invoice", "invoiceno", "invoice_no", "transaction", "transaction_id", "basket", "basket_id"}, required: true},
	{name: "item_id", aliases: []string{"item", "sku", "product", "product_id", "stockcode", "stock_code", "id"}, required: true},
	{name: "quantity", aliases: []string{"qty"}},
	{name: "price", aliases: []string{"unit_price", "unitprice"}},
	{name: "time", aliases: []string{"timestamp", "date", "created", "created_at", "invoicedate", "invoice_date", "order_date"}},
	{name: "customer_id", aliases: []string{"customer", "customerid", "user", "user_id", "client_id"}},
	{name: "description", aliases: []string{"title"}},
	{name: "country"},
}

// nonProducts are Online Retail stock codes that are not goods: postage,
// fees, manual adjustments, samples, gift vouchers.
var nonProducts = map[string]bool{"POST": true, "DOT": true, "M": true, "C2": true, "D": true, "S": true, "B": true,
	"CRUK": true, "PADS": true, "BANK CHARGES": true, "AMAZONFEE": true, "ADJUST": true, "ADJUST2": true,
	"TEST001": true, "TEST002": true}

func isNonProduct(code string) bool {
	return nonProducts[strings.ToUpper(code)] || strings.HasPrefix(strings.ToLower(code), "gift_")
}

// Warning texts for rows skipped on purpose (see Warnings.Count).
const (
	WarnNonProduct      = "non-product stock code skipped (postage, fees, adjustments)"
	WarnCancelled       = "cancellation applied to an earlier purchase"
	WarnCancelUnmatched = "cancellation with no earlier purchase in the file, dropped"
	WarnNegative        = "line with zero or negative quantity skipped"
	WarnEmptyItem       = "line with an empty item id skipped"
	WarnEmptyOrder      = "line with an empty order id skipped"
	WarnEmptyBasket     = "order left empty, dropped"
)

// ReadOrders reads order data in the given format (see Formats; "" is auto).
func ReadOrders(name string, r io.Reader, format string) (*Orders, Warnings, error) {
	var ws Warnings
	br := bufio.NewReaderSize(r, 256<<10)
	if format == "" {
		format = FormatAuto
	}
	switch format {
	case FormatAuto:
		format = sniffFormat(br)
	case FormatLong, FormatBaskets, FormatOnlineRetail:
	default:
		return nil, ws, &Error{File: name, Err: errf(ErrUnknown, "unknown orders format %q (want one of %s)", format, strings.Join(Formats, ", "))}
	}
	var o *Orders
	var err error
	if format == FormatBaskets {
		o, err = readBaskets(name, br, &ws)
	} else {
		o, err = readLong(name, r, br, format == FormatOnlineRetail, &ws)
	}
	if err != nil {
		return nil, ws, err
	}
	o.Format = format
	if o.Len() == 0 {
		return nil, ws, &Error{File: name, Err: errf(ErrEmpty, "no orders (%d lines read, none kept)", o.Lines)}
	}
	return o, ws, nil
}

// sniffFormat looks at the first line: an Online Retail header, a header
// naming order and item columns, or else baskets.
func sniffFormat(br *bufio.Reader) string {
	head, _ := br.Peek(4096)
	line, _, _ := bytes.Cut(head, []byte("\n"))
	line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
	var names []string
	for _, f := range bytes.Split(line, []byte(",")) {
		names = append(names, normName(strings.Trim(string(f), "\" \r")))
	}
	if contains(names, "invoiceno") && contains(names, "stockcode") {
		return FormatOnlineRetail
	}
	hasOrder, hasItem := false, false
	for _, n := range names {
		hasOrder = hasOrder || n == "order_id" || contains(orderColumns[0].aliases, n)
		hasItem = hasItem || n == "item_id" || contains(orderColumns[1].aliases, n)
	}
	if hasOrder && hasItem {
		return FormatLong
	}
	return FormatBaskets
}

// builder accumulates baskets in CSR form while the file streams in.
type builder struct {
	o        *Orders
	items    map[string]uint32
	orders   map[string]uint32
	cur      []byte // current order id
	curNum   uint32
	open     bool
	extraOrd []uint32 // lines whose order appeared earlier, not next to its other lines
	extraIt  []uint32
	samples  [][]float32
	qty      []int32 // per CSR line, Online Retail only
	src      io.Reader
}

func newBuilder(o *Orders) *builder {
	return &builder{o: o, items: map[string]uint32{}, orders: map[string]uint32{}}
}

// item interns an item id: one map lookup, an allocation only for a new id.
func (b *builder) item(id []byte) uint32 {
	if n, ok := b.items[string(id)]; ok {
		return n
	}
	n := uint32(len(b.o.ItemIDs))
	s := string(id)
	b.items[s] = n
	b.o.ItemIDs = append(b.o.ItemIDs, s)
	if b.o.ItemTitle != nil {
		b.o.ItemTitle = append(b.o.ItemTitle, "")
	}
	if b.samples != nil {
		b.samples = append(b.samples, nil)
	}
	return n
}

// order switches to order id; it reports whether the order is new.
func (b *builder) order(id []byte) (num uint32, isNew bool) {
	if b.open && bytes.Equal(id, b.cur) {
		return b.curNum, false
	}
	if n, ok := b.orders[string(id)]; ok {
		b.open = false
		return n, false
	}
	n := uint32(len(b.o.Off))
	b.orders[string(id)] = n
	b.o.Off = append(b.o.Off, uint32(len(b.o.Items)))
	b.cur, b.curNum, b.open = append(b.cur[:0], id...), n, true
	if b.o.Time != nil {
		b.o.Time = append(b.o.Time, 0)
	}
	if b.o.Customer != nil {
		b.o.Customer = append(b.o.Customer, 0)
	}
	return n, true
}

// add appends item it to order num; the result is the line's CSR position
// (or -1 when the order is not the one being written).
func (b *builder) add(num, it uint32) int {
	if b.open && num == b.curNum {
		b.o.Items = append(b.o.Items, it)
		return len(b.o.Items) - 1
	}
	b.extraOrd = append(b.extraOrd, num)
	b.extraIt = append(b.extraIt, it)
	return -1
}

const deleted = math.MaxUint32

// Sizer is implemented by readers that know how many bytes they hold
// (bytes.Reader, strings.Reader, the CLI's progress reader); ReadOrders then
// sizes its arrays once instead of growing them.
type Sizer interface{ Size() int64 }

// reserve estimates the number of lines from the reader's size and the
// length of the first lines, and allocates the basket arrays once.
func (b *builder) reserve(br *bufio.Reader) {
	sz, ok := b.src.(Sizer)
	if !ok {
		return
	}
	total := sz.Size()
	head, _ := br.Peek(64 << 10)
	lines := bytes.Count(head, []byte{'\n'})
	if total <= 0 || lines < 2 || total > 1<<40 {
		return
	}
	est := int(float64(total) / float64(len(head)) * float64(lines) * 1.02)
	b.o.Items = make([]uint32, 0, est)
}

// finish merges straggler lines, drops deleted lines and empty orders, and
// computes prices.
func (b *builder) finish(ws *Warnings) {
	o := b.o
	nOrd := len(o.Off)
	o.Off = append(o.Off, uint32(len(o.Items)))
	if len(b.extraOrd) > 0 {
		cnt := make([]uint32, nOrd+1)
		for i := 0; i < nOrd; i++ {
			cnt[i+1] = o.Off[i+1] - o.Off[i]
		}
		for _, ord := range b.extraOrd {
			cnt[ord+1]++
		}
		for i := 1; i <= nOrd; i++ {
			cnt[i] += cnt[i-1]
		}
		items := make([]uint32, len(o.Items)+len(b.extraIt))
		fill := slices.Clone(cnt[:nOrd])
		for i := 0; i < nOrd; i++ {
			fill[i] += uint32(copy(items[cnt[i]:], o.Items[o.Off[i]:o.Off[i+1]]))
		}
		for j, ord := range b.extraOrd {
			items[fill[ord]] = b.extraIt[j]
			fill[ord]++
		}
		o.Items, o.Off = items, cnt
	}
	// Compact: drop deleted lines and orders left empty.
	w, wo := uint32(0), 0
	empty := 0
	for i := 0; i < nOrd; i++ {
		start := w
		for _, it := range o.Items[o.Off[i]:o.Off[i+1]] {
			if it != deleted {
				o.Items[w] = it
				w++
			}
		}
		if w == start {
			empty++
			continue
		}
		o.Off[wo] = start
		if o.Time != nil {
			o.Time[wo] = o.Time[i]
		}
		if o.Customer != nil {
			o.Customer[wo] = o.Customer[i]
		}
		wo++
	}
	o.Off[wo] = w
	o.Off, o.Items = o.Off[:wo+1], o.Items[:w]
	if o.Time != nil {
		o.Time = o.Time[:wo]
	}
	if o.Customer != nil {
		o.Customer = o.Customer[:wo]
	}
	o.Kept = uint64(w)
	ws.AddN(o.File, WarnEmptyBasket, "", empty)
	if b.samples != nil {
		o.ItemPrice = make([]float64, len(o.ItemIDs))
		for i, s := range b.samples {
			o.ItemPrice[i] = median(s)
		}
	}
}

func median(s []float32) float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	slices.Sort(s)
	if len(s)%2 == 1 {
		return float64(s[len(s)/2])
	}
	return (float64(s[len(s)/2-1]) + float64(s[len(s)/2])) / 2
}

// decimal parses a plain decimal such as 12.99 without allocating, falling
// back to strconv for anything else; ok is false for non-numbers.
func decimal(b []byte) (float64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	d := b
	if neg {
		d = d[1:]
	}
	var ip, fp uint64
	scale := 1.0
	i := 0
	for ; i < len(d) && d[i] >= '0' && d[i] <= '9' && i < 15; i++ {
		ip = ip*10 + uint64(d[i]-'0')
	}
	digits := i
	if i < len(d) && d[i] == '.' {
		i++
		for j := 0; i < len(d) && d[i] >= '0' && d[i] <= '9' && j < 6; i, j = i+1, j+1 {
			fp = fp*10 + uint64(d[i]-'0')
			scale *= 10
			digits++
		}
	}
	if i == len(d) && digits > 0 {
		v := float64(ip) + float64(fp)/scale
		if neg {
			v = -v
		}
		return v, true
	}
	v, err := strconv.ParseFloat(string(b), 64)
	return v, err == nil && !math.IsNaN(v) && !math.IsInf(v, 0)
}

// field returns rec[i], or nil when the column is absent (i < 0).
func field(rec [][]byte, i int) []byte {
	if i < 0 {
		return nil
	}
	return rec[i]
}

// quantity parses an integer quickly, falling back to a float.
func quantity(b []byte) (float64, bool) {
	neg := false
	d := b
	if len(d) > 0 && (d[0] == '-' || d[0] == '+') {
		neg, d = d[0] == '-', d[1:]
	}
	if len(d) > 0 && len(d) < 10 {
		v := 0
		for _, ch := range d {
			if ch < '0' || ch > '9' {
				goto slow
			}
			v = v*10 + int(ch-'0')
		}
		if neg {
			v = -v
		}
		return float64(v), true
	}
slow:
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

func readLong(name string, src io.Reader, br *bufio.Reader, retail bool, ws *Warnings) (*Orders, error) {
	c := newCSV(name, br, ',')
	c.latin1, c.ws = retail, ws
	h, err := readHeader(c, orderColumns, ws)
	if err != nil {
		return nil, err
	}
	o := &Orders{File: name}
	b := newBuilder(o)
	b.src = src
	if h.has("time") {
		o.Time = []int64{}
	}
	var customers map[string]uint32
	if h.has("customer_id") {
		o.Customer, customers = []uint32{}, map[string]uint32{}
	}
	if h.has("description") {
		o.ItemTitle = []string{}
	}
	if h.has("price") {
		b.samples = [][]float32{}
	}
	var lastBuy map[uint64]int
	if retail {
		lastBuy = map[uint64]int{}
	}
	iOrd, iItem := h.idx["order_id"], h.idx["item_id"]
	// Column positions, looked up once: -1 when absent.
	iQty, iPrice, iCust, iTime, iDesc := h.pos("quantity"), h.pos("price"), h.pos("customer_id"), h.pos("time"), h.pos("description")
	var orderCust uint32
	b.reserve(br)
	for {
		rec, err := h.record(c)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if o.Lines++; o.Lines > MaxOrderLines {
			return nil, c.errAt(c.line, 0, ErrTooLong, "more than %d order lines (offsets are 32-bit); split the file", uint64(MaxOrderLines))
		}
		oid, iid := bytes.TrimSpace(rec[iOrd]), bytes.TrimSpace(rec[iItem])
		if len(oid) == 0 {
			ws.Add(name, WarnEmptyOrder, "line "+strconv.Itoa(c.line))
			continue
		}
		if len(iid) == 0 {
			ws.Add(name, WarnEmptyItem, "line "+strconv.Itoa(c.line))
			continue
		}
		qty := 1.0
		if q := field(rec, iQty); q != nil {
			q = bytes.TrimSpace(q)
			if len(q) > 0 {
				v, ok := quantity(q)
				if !ok {
					return nil, h.fieldErr(c, "quantity", errf(ErrValue, "want a number, got %q", q))
				}
				qty = v
			}
		}
		if retail && isNonProduct(string(iid)) {
			ws.Add(name, WarnNonProduct, "line "+strconv.Itoa(c.line)+": "+string(iid))
			continue
		}
		cancel := retail && (oid[0] == 'C' || oid[0] == 'c')
		price := math.NaN()
		if b.samples != nil {
			if p := bytes.TrimSpace(field(rec, iPrice)); len(p) > 0 {
				v, ok := decimal(p)
				if !ok {
					return nil, h.fieldErr(c, "price", errf(ErrValue, "want a number such as 12.50, got %q", p))
				}
				if v < 0 && !retail {
					return nil, h.fieldErr(c, "price", errf(ErrValue, "want a price of 0 or more, got %q", p))
				}
				price = v
			}
		}
		// The customer is the order's: look it up once per order, not per line.
		cust := orderCust
		if customers != nil && (cancel || !(b.open && bytes.Equal(oid, b.cur))) {
			cust = 0
			if s := bytes.TrimSpace(field(rec, iCust)); len(s) > 0 {
				n, ok := customers[string(s)]
				if !ok {
					o.CustomerIDs = append(o.CustomerIDs, string(s))
					n = uint32(len(o.CustomerIDs))
					customers[o.CustomerIDs[n-1]] = n
				}
				cust = n
			}
			if !cancel {
				orderCust = cust
			}
		}
		it := b.item(iid)
		if cancel {
			key := uint64(cust)<<32 | uint64(it)
			pos, ok := lastBuy[key]
			if cust == 0 || !ok || o.Items[pos] == deleted {
				ws.Add(name, WarnCancelUnmatched, "line "+strconv.Itoa(c.line)+": "+string(oid))
				continue
			}
			ws.Add(name, WarnCancelled, "line "+strconv.Itoa(c.line)+": "+string(oid))
			if b.qty[pos] += int32(math.Min(qty, 0)); b.qty[pos] <= 0 || qty >= 0 {
				o.Items[pos] = deleted
				delete(lastBuy, key)
			}
			continue
		}
		if qty <= 0 {
			ws.Add(name, WarnNegative, "line "+strconv.Itoa(c.line))
			continue
		}
		num, isNew := b.order(oid)
		if isNew {
			if o.Time != nil {
				if s := trim(field(rec, iTime)); s != "" {
					t, err := parseTime(s)
					if err != nil {
						return nil, h.fieldErr(c, "time", err)
					}
					o.Time[num] = t
				}
			}
			if o.Customer != nil {
				o.Customer[num] = cust
			}
		}
		pos := b.add(num, it)
		if retail {
			if pos >= 0 {
				b.qty = append(b.qty, 0)
				b.qty[pos] = int32(math.Min(qty, math.MaxInt32))
				if cust != 0 {
					lastBuy[uint64(cust)<<32|uint64(it)] = pos
				}
			}
		}
		if o.ItemTitle != nil && o.ItemTitle[it] == "" {
			if d := trim(field(rec, iDesc)); d != "" {
				o.ItemTitle[it] = d
			}
		}
		if !math.IsNaN(price) && price > 0 && len(b.samples[it]) < PriceSample {
			b.samples[it] = append(b.samples[it], float32(price))
		}
	}
	b.finish(ws)
	return o, nil
}

// readBaskets reads one basket per line; the separator is a comma when the
// start of the file has one, else whitespace.
func readBaskets(name string, br *bufio.Reader, ws *Warnings) (*Orders, error) {
	head, _ := br.Peek(64 << 10)
	if bytes.IndexByte(head, ',') < 0 {
		return readWhitespaceBaskets(name, br, ws)
	}
	c := newCSV(name, br, ',')
	o := &Orders{File: name}
	b := newBuilder(o)
	for {
		rec, err := c.read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, err
		}
		if o.Lines++; o.Lines > MaxOrderLines {
			return nil, c.errAt(c.line, 0, ErrTooLong, "more than %d order lines (offsets are 32-bit); split the file", uint64(MaxOrderLines))
		}
		o.Off = append(o.Off, uint32(len(o.Items)))
		for _, f := range rec {
			if f = bytes.TrimSpace(f); len(f) > 0 {
				o.Items = append(o.Items, b.item(f))
			}
		}
	}
	b.finish(ws)
	return o, nil
}

func readWhitespaceBaskets(name string, br *bufio.Reader, ws *Warnings) (*Orders, error) {
	c := newCSV(name, br, '\n') // whole lines; split below
	o := &Orders{File: name}
	b := newBuilder(o)
	for {
		s, err := c.physical()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, err
		}
		if len(bytes.TrimSpace(s)) == 0 {
			continue
		}
		if o.Lines++; o.Lines > MaxOrderLines {
			return nil, c.errAt(c.line, 0, ErrTooLong, "more than %d order lines (offsets are 32-bit); split the file", uint64(MaxOrderLines))
		}
		o.Off = append(o.Off, uint32(len(o.Items)))
		for len(s) > 0 {
			i := bytes.IndexFunc(s, isSpace)
			if i < 0 {
				i = len(s)
			}
			if i > 0 {
				o.Items = append(o.Items, b.item(s[:i]))
			}
			s = s[min(i+1, len(s)):]
		}
	}
	b.finish(ws)
	return o, nil
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\v' || r == '\f' }
