//go:build js && wasm

// Command syumai is the benchmark's "measure first" worker: the edge's event
// validation served the way github.com/syumai/workers generates a worker
// (net/http handler, generated worker.mjs that starts a Go runtime per
// request). edge/bench/bench.mjs builds and measures it; it is not deployed.
package main

import (
	"io"
	"net/http"
	"time"

	"github.com/syumai/workers"
	"github.com/xsell/xsell/edge/api"
)

func main() {
	core := api.NewCore()
	http.HandleFunc("/v1/health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("content-type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	})
	http.HandleFunc("/v1/events", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16+1))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		status, parts := core.Handle(api.OpEvents, body, time.Now().UnixMilli())
		if status == 200 {
			status = http.StatusAccepted
		}
		w.Header().Set("content-type", "application/json")
		w.WriteHeader(status)
		w.Write(parts[0])
	})
	workers.Serve(nil)
}
