package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/xsell/xsell/wasm/blob"
)

const publishUsage = `Usage: matrixgen publish BLOB --endpoint URL [--token-env XSELL_TOKEN]

Uploads BLOB to the edge worker (PUT /v1/blob). For the head of a sharded
blob (matrixgen build --shard-pairs) every shard in BLOB.shards/ goes
first, then the head: the edge publishes a head only once it holds all its
shards. Everything is checked locally before the first byte is sent. An
upload the edge refuses stops the command (exit 1) with the edge's error
code and message; the blob live before stays live. A network failure or a
5xx answer is tried again (every upload is content-addressed: sending it
twice is harmless).

The token is read from the environment variable named by --token-env, never
from the command line. --endpoint defaults to $XSELL_ENDPOINT.

Options:
`

// maxAnswer bounds what is read of an edge answer.
const maxAnswer = 64 << 10

func (e *env) publish(args []string) error {
	fs := e.flags("publish", publishUsage)
	endpoint := fs.String("endpoint", os.Getenv("XSELL_ENDPOINT"), "the edge worker's base URL (https://xsell.example.com)")
	tokenEnv := fs.String("token-env", "XSELL_TOKEN", "environment variable holding the bearer token")
	tries := fs.Int("tries", 3, "attempts per upload on a network failure or a 5xx answer")
	timeout := fs.Duration("timeout", 2*time.Minute, "time limit per upload attempt")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one BLOB argument, got %d", len(pos))
	}
	base, err := url.Parse(strings.TrimRight(*endpoint, "/"))
	if *endpoint == "" || err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return usagef("--endpoint: want the edge's http(s) base URL (or set XSELL_ENDPOINT), got %q", *endpoint)
	}
	token := os.Getenv(*tokenEnv)
	if token == "" {
		return usagef("$%s is empty: set it to the edge's token (--token-env names another variable)", *tokenEnv)
	}
	if *tries < 1 {
		return usagef("--tries: want 1 or more, got %d", *tries)
	}

	path := pos[0]
	head, data, err := e.loadHead(path)
	if err != nil {
		return err
	}
	var shards [][]byte // in the head's order, as read and checked
	if head.Sharded() {
		if _, shards, err = e.readShards(path, head); err != nil {
			return err
		}
	}
	up := uploader{url: base.String() + "/v1/blob", token: token, tries: *tries, client: &http.Client{Timeout: *timeout}, log: e.stderr}
	for i, body := range shards {
		hash := blob.Header{Hash: head.Shards.Hash[i]}.HashHex()
		ans, err := up.put(body)
		if err != nil {
			return fmt.Errorf("shard %d of %d (%s): %w", i+1, len(shards), shardPath(path, hash), err)
		}
		what := "stored"
		if ans.Unchanged {
			what = "already stored"
		}
		fmt.Fprintf(e.stdout, "shard %d/%d %s: %s\n", i+1, len(shards), hash[:12], what)
	}
	ans, err := up.put(data)
	if err != nil {
		return fmt.Errorf("%s: %w", displayName(path), err)
	}
	hash := head.Header.HashHex()
	switch {
	case ans.Unchanged:
		fmt.Fprintf(e.stdout, "%s is already the live blob: nothing changed\n", hash)
	case ans.Published:
		fmt.Fprintf(e.stdout, "published %s", hash)
		if ans.Previous != "" {
			fmt.Fprintf(e.stdout, " (was %s)", ans.Previous)
		}
		if len(ans.Pruned) > 0 {
			fmt.Fprintf(e.stdout, "; pruned %d old version(s)", len(ans.Pruned))
		}
		fmt.Fprintln(e.stdout)
	default:
		return fmt.Errorf("%s: the edge answered neither published nor unchanged", displayName(path))
	}
	return nil
}

// uploader PUTs bodies to the edge's /v1/blob.
type uploader struct {
	url, token string
	tries      int
	client     *http.Client
	log        io.Writer
	backoff    time.Duration // first wait between tries (1 s when 0)
}

// putAnswer is what PUT /v1/blob answers, for a blob, a head or a shard.
type putAnswer struct {
	Published bool     `json:"published"`
	Unchanged bool     `json:"unchanged"`
	Previous  string   `json:"previous"`
	Pruned    []string `json:"pruned"`
	Error     *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// errRefused is an answer that trying again will not change (4xx).
var errRefused = errors.New("refused")

func (u *uploader) put(body []byte) (*putAnswer, error) {
	wait := u.backoff
	if wait == 0 {
		wait = time.Second
	}
	var last error
	for try := 1; try <= u.tries; try++ {
		ans, err := u.once(body)
		if err == nil || errors.Is(err, errRefused) {
			return ans, err
		}
		last = err
		if try < u.tries {
			fmt.Fprintf(u.log, "matrixgen publish: %v; trying again in %v\n", err, wait)
			time.Sleep(wait)
			wait *= 2
		}
	}
	return nil, fmt.Errorf("%w (after %d tries)", last, u.tries)
}

func (u *uploader) once(body []byte) (*putAnswer, error) {
	req, err := http.NewRequest(http.MethodPut, u.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+u.token)
	req.Header.Set("Content-Type", "application/octet-stream")
	res, err := u.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("PUT %s: %w", u.url, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		return nil, fmt.Errorf("PUT %s: HTTP %d, reading the answer: %w", u.url, res.StatusCode, err)
	}
	var ans putAnswer
	jerr := json.Unmarshal(raw, &ans)
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		if jerr != nil {
			return nil, fmt.Errorf("%w: PUT %s: HTTP %d with an answer that is not JSON: %q", errRefused, u.url, res.StatusCode, clip(strings.ToValidUTF8(string(raw), "?"), 200))
		}
		return &ans, nil
	}
	msg := fmt.Sprintf("HTTP %d", res.StatusCode)
	if jerr == nil && ans.Error != nil {
		msg += fmt.Sprintf(" %s: %s", ans.Error.Code, ans.Error.Message)
	} else if len(raw) > 0 {
		msg += fmt.Sprintf(": %q", clip(strings.ToValidUTF8(string(raw), "?"), 200))
	}
	if res.StatusCode >= 500 || res.StatusCode == http.StatusTooManyRequests {
		return nil, fmt.Errorf("the edge answered %s", msg)
	}
	return nil, fmt.Errorf("%w by the edge: %s", errRefused, msg)
}
