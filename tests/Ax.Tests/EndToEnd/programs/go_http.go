// A Go HTTP server and client written the way Go's documentation shows, standard library only.
//
//	go_http serve [ADDR [NETWORK]]  net.Listen(NETWORK, ADDR), defaults "tcp" and ":8080". With no host
//	                                Go makes one dual-stack AF_INET6 socket bound to [::] (IPV6_V6ONLY=0);
//	                                "tcp4" makes an AF_INET socket at 0.0.0.0 instead. Every request is
//	                                answered with the client's address as Go sees it (r.RemoteAddr).
//	go_http get URL                 http.Get(URL) with Go's own resolver (it reads /etc/resolv.conf itself),
//	                                prints the body.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
)

func main() {
	if len(os.Args) > 2 && os.Args[1] == "get" {
		get(os.Args[2])
		return
	}
	addr, network := ":8080", "tcp"
	if len(os.Args) > 2 {
		addr = os.Args[2]
	}
	if len(os.Args) > 3 {
		network = os.Args[3]
	}
	serve(network, addr)
}

func serve(network, addr string) {
	listener, err := net.Listen(network, addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	fmt.Println("listening on", listener.Addr())
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from go\nremote %s\n", r.RemoteAddr)
	})
	if err := http.Serve(listener, handler); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
}

func get(url string) {
	response, err := http.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "get:", err)
		os.Exit(1)
	}
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)
	if err != nil {
		fmt.Fprintln(os.Stderr, "read:", err)
		os.Exit(1)
	}
	fmt.Print(string(body))
}
