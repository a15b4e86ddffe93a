package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	realHeader = "../../../../include/wisp/wisp.h"
	bindingDir = "../.."
)

func TestBindingMirrorsTheHeader(t *testing.T) {
	problems, err := Check(realHeader, bindingDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

func TestHeaderIsReadCompletely(t *testing.T) {
	src, err := os.ReadFile(realHeader)
	if err != nil {
		t.Fatal(err)
	}
	h, err := ParseHeader(string(src))
	if err != nil {
		t.Fatal(err)
	}
	// Every WISP_API declaration, counted independently of the parser.
	want := strings.Count(string(src), "\nWISP_API ")
	if len(h.Functions) != want {
		t.Errorf("parsed %d functions, the header has %d WISP_API lines", len(h.Functions), want)
	}
	if got := h.Functions["wisp_session_generate"]; len(got) != 7 || got[3] != "wisp_token_callback" {
		t.Errorf("wisp_session_generate parameters %q", got)
	}
	if got := h.Structs["wisp_eval_params"]["prefix_separator"]; got != "const char*" {
		t.Errorf("wisp_eval_params.prefix_separator is %q", got)
	}
	if got := h.Enums["wisp_status"]["WISP_ERR_MISMATCH"]; got != 11 {
		t.Errorf("WISP_ERR_MISMATCH = %d", got)
	}
	if got := h.Callbacks["wisp_train_callback"]; got != "int(const wisp_step_info*,void*)" {
		t.Errorf("wisp_train_callback is %q", got)
	}
}

// Each edit of the real header must make the check fail with a message
// naming what changed.
func TestHeaderChangesAreCaught(t *testing.T) {
	src, err := os.ReadFile(realHeader)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, old, new, want string }{
		{"function added", "#ifdef __cplusplus\n} /* extern",
			"WISP_API int wisp_new_thing(int x);\n#ifdef __cplusplus\n} /* extern",
			"function wisp_new_thing is not called"},
		{"function removed", "WISP_API const char* wisp_version(void);", "",
			"calls wisp_version, which the header does not declare"},
		{"parameter added", "wisp_session_reset(wisp_session* session)",
			"wisp_session_reset(wisp_session* session, int hard)",
			"wisp_session_reset called with 1 arguments, the header declares 2"},
		{"parameter type changed", "size_t text_len, int add_bos, int32_t* ids",
			"int64_t text_len, int add_bos, int32_t* ids",
			"argument 3 of wisp_tokenize is converted to size_t, the header declares int64_t"},
		{"enum value changed", "WISP_ERR_MISMATCH = 11", "WISP_ERR_MISMATCH = 12",
			"StatusMismatch is 11 in Go but WISP_ERR_MISMATCH = 12"},
		{"enumerator added", "WISP_STOP_CALLBACK = 3", "WISP_STOP_CALLBACK = 3, WISP_STOP_WORD = 4",
			"enumerator WISP_STOP_WORD (wisp_stop_reason) has no Go constant"},
		{"enumerator removed", "WISP_LR_CONSTANT = 0, ", "",
			"LRConstant mirrors WISP_LR_CONSTANT, which the header does not declare"},
		{"field added", "  uint64_t seed;        /* data shuffling",
			"  int32_t new_knob;\n  uint64_t seed;        /* data shuffling",
			"field wisp_trainer_params.new_knob (int32_t) has no field"},
		{"field removed", "  int32_t repetition_last_n;", "",
			"SamplerParams mirrors wisp_sampler_params.repetition_last_n, which the header does not declare"},
		{"field type changed", "  float top_p; ", "  double top_p; ",
			"field wisp_sampler_params.top_p is double in C but float32"},
		{"callback changed", "typedef int (*wisp_token_callback)(int32_t token,",
			"typedef int (*wisp_token_callback)(int64_t token,",
			"callback wisp_token_callback int(int64_t,const char*,size_t,void*) has no C trampoline"},
		{"struct added", "typedef struct wisp_step_info {",
			"typedef struct wisp_extra { size_t struct_size; int32_t x; } wisp_extra;\ntypedef struct wisp_step_info {",
			"struct wisp_extra has no Go type"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(string(src), c.old) {
				t.Fatalf("the header no longer contains %q; update this case", c.old)
			}
			path := filepath.Join(dir, "wisp.h")
			edited := strings.Replace(string(src), c.old, c.new, 1)
			if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
				t.Fatal(err)
			}
			problems, err := Check(path, bindingDir)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				if strings.Contains(p, c.want) {
					return
				}
			}
			t.Errorf("no problem mentions %q; got %q", c.want, problems)
		})
	}
}
