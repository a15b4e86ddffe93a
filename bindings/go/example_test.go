package wisp_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"wisp"
)

// Greedy generation from the default model, as in the README's quick start.
func Example() {
	path := os.Getenv("WISP_MODEL")
	if path == "" {
		path = "../../build/models/stories260K.wisp"
	}
	model, err := wisp.Load(path)
	if err != nil {
		log.Fatal(err)
	}
	defer model.Close()
	session, err := model.NewSession(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer session.Close()
	ids, _ := model.Tokenize("Once upon a time", true)
	if err := session.Feed(ids); err != nil {
		log.Fatal(err)
	}
	greedy := wisp.GreedySamplerParams()
	fmt.Print("Once upon a time")
	session.Generate(context.Background(), &greedy, 11, func(t wisp.Token) error {
		fmt.Print(t.Text)
		return nil
	})
	fmt.Println()
	// Output: Once upon a time, there was a little girl named Lily.
}
