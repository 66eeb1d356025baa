// The hello function as a plain net/http server, in Go (the language of the platform's
// official SDK): what bench/node/server.js does, with the standard library only.
// POST /invoke parses {"key": ...}, answers "hello, <key>!" as JSON and logs the
// FC Invoke Start/End lines; POST /initialize answers 200. No idle timeouts: keep-alive
// connections stay open.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
)

type event struct {
	Key string `json:"key"`
}

type failure struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

func port() string {
	for _, name := range []string{"FC_CUSTOM_LISTEN_PORT", "FC_SERVER_PORT"} {
		if value := os.Getenv(name); value != "" {
			return value
		}
	}
	return "9000"
}

func invoke(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	rid := r.Header.Get("x-fc-request-id")
	fmt.Printf("FC Invoke Start RequestId: %s\n", rid)
	status := http.StatusOK
	var reply []byte
	body, err := io.ReadAll(r.Body)
	var ev event
	if err == nil {
		err = json.Unmarshal(body, &ev)
	}
	if err == nil {
		reply, _ = json.Marshal(fmt.Sprintf("hello, %s!", ev.Key))
	} else {
		status = http.StatusNotFound
		reply, _ = json.Marshal(failure{ErrorMessage: err.Error(), ErrorType: fmt.Sprintf("%T", err)})
	}
	fmt.Printf("FC Invoke End RequestId: %s\n", rid)
	header := w.Header()
	header.Set("x-fc-status", fmt.Sprint(status))
	header.Set("content-type", "application/json")
	w.WriteHeader(status)
	w.Write(reply)
}

func initialize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	io.WriteString(w, "Hello FunctionCompute, /initialize\n")
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/invoke", invoke)
	mux.HandleFunc("/initialize", initialize)
	addr := "0.0.0.0:" + port()
	fmt.Printf("Running on http://%s\n", addr)
	// No ReadTimeout, WriteTimeout or IdleTimeout: connections are never timed out.
	server := &http.Server{Addr: addr, Handler: mux}
	log.Fatal(server.ListenAndServe())
}
