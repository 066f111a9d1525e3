package synth

import (
	"io"
	"strconv"
)

// CSVHeader is the long-form orders header WriteCSV writes, the form
// `matrixgen build --orders` reads by default.
const CSVHeader = "order_id,item_id,quantity,price,time,customer_id"

// ItemID is the catalog id of item x in the written CSV.
func ItemID(x uint32) string { return "SKU" + strconv.FormatUint(uint64(x), 10) }

// WriteCSV writes the log in long form, one order line per row, with a
// header: order id, item id, quantity, unit price, Unix time, customer id.
func (l *Log) WriteCSV(w io.Writer) error {
	buf := make([]byte, 0, 1<<20+256)
	buf = append(buf, CSVHeader...)
	buf = append(buf, '\n')
	for o := range l.Len() {
		for i := l.Off[o]; i < l.Off[o+1]; i++ {
			x := l.Items[i]
			buf = append(buf, 'O')
			buf = strconv.AppendInt(buf, int64(o+1), 10)
			buf = append(buf, ",SKU"...)
			buf = strconv.AppendUint(buf, uint64(x), 10)
			buf = append(buf, ',')
			buf = strconv.AppendUint(buf, uint64(l.Qty[i]), 10)
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, l.Price[x], 'f', 2, 64)
			buf = append(buf, ',')
			buf = strconv.AppendInt(buf, l.Time[o], 10)
			buf = append(buf, ",C"...)
			buf = strconv.AppendUint(buf, uint64(l.Customer[o]), 10)
			buf = append(buf, '\n')
			if len(buf) >= 1<<20 {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
	}
	_, err := w.Write(buf)
	return err
}
