package wisp

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// The default model the CMake build produces, and the shared references;
// WISP_MODEL and WISP_SHARED override them (CTest sets both).
func modelPath(t testing.TB) string {
	path := os.Getenv("WISP_MODEL")
	if path == "" {
		path = "../../build/models/stories260K.wisp"
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the test model is missing (build the default_model target or set WISP_MODEL): %v", err)
	}
	return path
}

func referencePath(t testing.TB, name string) string {
	dir := os.Getenv("WISP_SHARED")
	if dir == "" {
		dir = "../../../shared"
	}
	path := filepath.Join(dir, "models/stories260K/reference", name)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("reference missing (set WISP_SHARED): %v", err)
	}
	return path
}

func loadModel(t testing.TB) *Model {
	t.Helper()
	m, err := Load(modelPath(t))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func newSession(t testing.TB, m *Model, params *SessionParams) *Session {
	t.Helper()
	s, err := m.NewSession(params)
	if err != nil {
		t.Fatalf("NewSession: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// greedyReference is greedy.json: llama2.c's argmax decoding of "Once upon
// a time".
type greedyReference struct {
	Prompt       string  `json:"prompt"`
	PromptIDs    []int32 `json:"prompt_ids"`
	GeneratedIDs []int32 `json:"generated_ids"`
	AllIDs       []int32 `json:"all_ids"`
	Text         string  `json:"text"`
}

func readJSON(t testing.TB, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(referencePath(t, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func greedy(t testing.TB) greedyReference {
	var ref greedyReference
	readJSON(t, "greedy.json", &ref)
	if len(ref.GeneratedIDs) == 0 || ref.Text == "" {
		t.Fatal("greedy.json has no generated ids or text")
	}
	return ref
}

// readFloats reads a raw little-endian float32 reference file.
func readFloats(t testing.TB, name string) []float32 {
	data, err := os.ReadFile(referencePath(t, name))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(data)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return out
}

// feedPrompt loads the prompt of greedy.json into s.
func feedPrompt(t testing.TB, s *Session, ref greedyReference) {
	t.Helper()
	if err := s.Feed(ref.PromptIDs); err != nil {
		t.Fatalf("Feed: %v", err)
	}
}

func greedyParams() *SamplerParams {
	p := GreedySamplerParams()
	return &p
}
