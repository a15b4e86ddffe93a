// Command generate prints a prompt and its greedy continuation, exactly as
// `wisp generate -m MODEL -p PROMPT -n N --temperature 0` does on stdout.
//
//	generate MODEL.wisp "PROMPT" N
//
// Speed goes to stderr, as with the CLI. run-sample.sh builds and runs it.
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"wisp"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "generate: error:", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) != 4 {
		return fmt.Errorf("usage: %s MODEL.wisp PROMPT N", os.Args[0])
	}
	modelPath, prompt := os.Args[1], os.Args[2]
	n, err := strconv.Atoi(os.Args[3])
	if err != nil || n < 0 {
		return fmt.Errorf("N must be a token count, got %q", os.Args[3])
	}

	model, err := wisp.Load(modelPath)
	if err != nil {
		return err
	}
	defer model.Close()
	ids, err := model.Tokenize(prompt, true)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return fmt.Errorf("the prompt encodes to no tokens")
	}
	session, err := model.NewSession(nil)
	if err != nil {
		return err
	}
	defer session.Close()
	if err := session.Feed(ids); err != nil {
		return err
	}

	out := bufio.NewWriter(os.Stdout)
	out.WriteString(prompt)
	out.Flush()
	greedy := wisp.GreedySamplerParams()
	start := time.Now()
	// The raw pieces, flushed as they come: byte for byte what the CLI
	// prints, even where a character spans byte-fallback tokens.
	result, genErr := session.Generate(context.Background(), &greedy, n, func(tok wisp.Token) error {
		out.Write(tok.Piece)
		return out.Flush()
	})
	out.WriteString("\n")
	if err := out.Flush(); err != nil {
		return err
	}
	if genErr != nil {
		return genErr
	}
	elapsed := time.Since(start).Seconds()
	fmt.Fprintf(os.Stderr, "decode: %d tokens in %.2f ms (%.1f tokens/s)\n",
		result.Tokens, elapsed*1e3, float64(result.Tokens)/elapsed)
	return nil
}
