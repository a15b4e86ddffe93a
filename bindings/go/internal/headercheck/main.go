// Command headercheck fails when the Go binding no longer mirrors
// include/wisp/wisp.h: a function, callback, enumerator or struct field that
// was added, removed or changed in the header and not in the binding.
//
//	go run ./internal/headercheck -header ../../include/wisp/wisp.h -binding .
//
// It checks names, enumerator values, struct field types, the number of
// arguments of every call and the C types they are converted to; `go vet`
// of the package (which compiles every call against the header through cgo)
// completes it.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	header := flag.String("header", "../../include/wisp/wisp.h", "the C header")
	binding := flag.String("binding", ".", "the Go package's directory")
	flag.Parse()
	problems, err := Check(*header, *binding)
	if err != nil {
		fmt.Fprintln(os.Stderr, "headercheck:", err)
		os.Exit(2)
	}
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(os.Stderr, "headercheck: the Go binding differs from %s in %d ways\n", *header, len(problems))
		os.Exit(1)
	}
	fmt.Printf("headercheck: the Go binding mirrors %s\n", *header)
}

// Check compares the header at headerPath with the package in bindingDir.
func Check(headerPath, bindingDir string) ([]string, error) {
	src, err := os.ReadFile(headerPath)
	if err != nil {
		return nil, err
	}
	h, err := ParseHeader(string(src))
	if err != nil {
		return nil, err
	}
	b, err := ScanBinding(bindingDir)
	if err != nil {
		return nil, err
	}
	return Compare(h, b), nil
}
