package input

import (
	"bytes"
	"errors"
	"testing"
)

// Every reader must return a result or an *Error for any bytes: never panic,
// never an unpositioned error.
func FuzzReaders(f *testing.F) {
	seeds := []string{
		"id,title,price\na,A,1\n",
		"order_id,item_id,quantity,price,time,customer_id\n1,a,1,2.5,1700000000,c\n1,b,2,1,1700000000,c\n2,a,-1,3,,\n",
		"InvoiceNo,StockCode,Description,Quantity,UnitPrice,CustomerID\n1,A,\"X, Y\",1,2,17\nC2,A,X,-1,2,17\n",
		"milk,bread\n\"a\"\"b\",c\n",
		"1 2 3\n4\t5\n",
		"anchor,complement,kind,discount,valid_from\ncategory:x,b,upsell,10%,2025-01-01\n",
		"anchor,item,shown,clicked,added,bought,dismissed\n*,b,1,1,1,1,1\n",
		"\xef\xbb\xbfid,title\n\"unclosed,\n",
		"a,b\r\n\xff\xfe\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(what string, err error) {
			var ie *Error
			if err != nil && !errors.As(err, &ie) {
				t.Fatalf("%s: error %v (%T) is not an *input.Error", what, err, err)
			}
		}
		for _, format := range Formats {
			o, _, err := ReadOrders("f.csv", bytes.NewReader(data), format)
			check("orders "+format, err)
			if err == nil {
				if o.Len() < 1 || int(o.Off[o.Len()]) != len(o.Items) {
					t.Fatalf("orders %s: %d orders, offsets end %d for %d items", format, o.Len(), o.Off[o.Len()], len(o.Items))
				}
				for _, x := range o.Items {
					if int(x) >= len(o.ItemIDs) {
						t.Fatalf("item %d of %d", x, len(o.ItemIDs))
					}
				}
			}
		}
		_, _, err := ReadCatalog("f.csv", bytes.NewReader(data))
		check("catalog", err)
		_, _, err = ReadMatrix("f.csv", bytes.NewReader(data))
		check("matrix", err)
		_, _, err = ReadFeedback("f.csv", bytes.NewReader(data))
		check("feedback", err)
		_, err = ReadPolicy("f.json", bytes.NewReader(data))
		check("policy", err)
	})
}
