package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// Binding is what the Go package says about the C API.
type Binding struct {
	// Go types whose doc comment says "X is a wisp_y": Go name -> C name.
	Mirrors map[string]string
	// Enum constants: C enumerator -> its Go constant.
	Constants map[string]Constant
	// Go mirror structs: Go type -> C field (from the `wisp` tag) -> Go type.
	Fields map[string]map[string]string
	// Underlying basic type of every named Go type in the package.
	Underlying map[string]string
	// C identifiers named in Go as C.name, with the position of each use.
	CNames map[string][]string
	// Calls to C functions, from Go (C.f(...)) and from the package's C.
	Calls []Call
	// Signatures of the functions defined in the package's C files.
	CDefinitions map[string]string
}

// Constant is a Go constant mirroring a C enumerator.
type Constant struct {
	GoName, GoType string
	Value          int64
	Pos            string
}

// Call is one call of a C function and what it passes.
type Call struct {
	Name string
	// The C type of each argument when it is spelled as a conversion
	// (C.size_t(n), (*C.int32_t)(p)), "" when it cannot be told.
	ArgTypes []string
	Pos      string
}

var (
	mirrorDoc     = regexp.MustCompile(`^\w+ is an? (wisp_\w+)\b`)
	enumeratorTag = regexp.MustCompile(`^WISP_[A-Z0-9_]+$`)
	cFuncDef      = regexp.MustCompile(`(?s)([\w\s\*]+?)\s*\b(\w+)\s*\(([^()]*)\)\s*\{`)
	cCall         = regexp.MustCompile(`\b(wisp_\w+)\s*\(`)
)

// ScanBinding reads the non-test Go files and the C files of the package in
// dir.
func ScanBinding(dir string) (*Binding, error) {
	b := &Binding{
		Mirrors:      map[string]string{},
		Constants:    map[string]Constant{},
		Fields:       map[string]map[string]string{},
		Underlying:   map[string]string{},
		CNames:       map[string][]string{},
		CDefinitions: map[string]string{},
	}
	fset := token.NewFileSet()
	goFiles, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, path := range goFiles {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		b.scanGoFile(fset, file)
	}
	cFiles, _ := filepath.Glob(filepath.Join(dir, "*.c"))
	for _, path := range cFiles {
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		b.scanCFile(filepath.Base(path), stripC(string(src)))
	}
	if len(goFiles) == 0 {
		return nil, fmt.Errorf("no Go files in %s", dir)
	}
	return b, nil
}

func (b *Binding) scanGoFile(fset *token.FileSet, file *ast.File) {
	for _, decl := range file.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, spec := range gen.Specs {
			switch s := spec.(type) {
			case *ast.TypeSpec:
				b.scanType(gen, s)
			case *ast.ValueSpec:
				b.scanConstant(fset, gen, s)
			}
		}
	}
	ast.Inspect(file, func(n ast.Node) bool {
		switch e := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := e.X.(*ast.Ident); ok && id.Name == "C" {
				b.CNames[e.Sel.Name] = append(b.CNames[e.Sel.Name], fset.Position(e.Pos()).String())
			}
		case *ast.CallExpr:
			if name := cSelector(e.Fun); strings.HasPrefix(name, "wisp_") {
				call := Call{Name: name, Pos: fset.Position(e.Pos()).String()}
				for _, arg := range e.Args {
					call.ArgTypes = append(call.ArgTypes, conversionType(arg))
				}
				b.Calls = append(b.Calls, call)
			}
		}
		return true
	})
}

func (b *Binding) scanType(gen *ast.GenDecl, s *ast.TypeSpec) {
	doc := s.Doc
	if doc == nil {
		doc = gen.Doc
	}
	if doc != nil {
		if m := mirrorDoc.FindStringSubmatch(doc.Text()); m != nil {
			b.Mirrors[s.Name.Name] = m[1]
		}
	}
	switch t := s.Type.(type) {
	case *ast.Ident:
		b.Underlying[s.Name.Name] = t.Name
	case *ast.StructType:
		fields := map[string]string{}
		for _, f := range t.Fields.List {
			if f.Tag == nil {
				continue
			}
			tag, _ := strconv.Unquote(f.Tag.Value)
			if cName, ok := reflect.StructTag(tag).Lookup("wisp"); ok {
				fields[cName] = exprString(f.Type)
			}
		}
		if len(fields) > 0 {
			b.Fields[s.Name.Name] = fields
		}
	}
}

func (b *Binding) scanConstant(fset *token.FileSet, gen *ast.GenDecl, s *ast.ValueSpec) {
	if gen.Tok != token.CONST || s.Comment == nil || len(s.Names) != 1 || len(s.Values) != 1 {
		return
	}
	cName := strings.TrimSpace(s.Comment.Text())
	if !enumeratorTag.MatchString(cName) {
		return
	}
	lit, ok := s.Values[0].(*ast.BasicLit)
	value, err := int64(0), error(nil)
	if ok {
		value, err = strconv.ParseInt(lit.Value, 0, 64)
	}
	pos := fset.Position(s.Pos()).String()
	if !ok || err != nil {
		value = -1 << 62 // reported as a value mismatch
	}
	b.Constants[cName] = Constant{GoName: s.Names[0].Name, GoType: exprString(s.Type), Value: value, Pos: pos}
}

func (b *Binding) scanCFile(name, src string) {
	for _, m := range cFuncDef.FindAllStringSubmatch(src, -1) {
		types, err := paramTypes(m[3])
		if err == nil && !isKeyword(m[2]) {
			ret := strings.TrimPrefix(normaliseType(m[1]), "static ")
			b.CDefinitions[m[2]] = signature(ret, types)
		}
	}
	for _, loc := range cCall.FindAllStringSubmatchIndex(src, -1) {
		fn := src[loc[2]:loc[3]]
		args, ok := splitArgs(src[loc[1]:])
		if !ok {
			continue
		}
		b.Calls = append(b.Calls, Call{Name: fn, ArgTypes: make([]string, len(args)), Pos: name})
	}
}

func isKeyword(s string) bool {
	switch s {
	case "if", "for", "while", "switch", "return", "sizeof":
		return true
	}
	return false
}

// splitArgs splits the argument list that starts right after a '(' at
// top level; ok is false for a declaration's parameter list or a
// definition.
func splitArgs(rest string) (args []string, ok bool) {
	depth, start := 0, 0
	for i, c := range rest {
		switch c {
		case '(':
			depth++
		case ')':
			if depth == 0 {
				arg := strings.TrimSpace(rest[start:i])
				if arg != "" || len(args) > 0 {
					args = append(args, arg)
				}
				tail := strings.TrimSpace(rest[i+1:])
				return args, !strings.HasPrefix(tail, "{")
			}
			depth--
		case ',':
			if depth == 0 {
				args = append(args, strings.TrimSpace(rest[start:i]))
				start = i + 1
			}
		}
	}
	return nil, false
}

// cSelector returns name for the expression C.name, "" otherwise.
func cSelector(e ast.Expr) string {
	if sel, ok := e.(*ast.SelectorExpr); ok {
		if id, ok := sel.X.(*ast.Ident); ok && id.Name == "C" {
			return sel.Sel.Name
		}
	}
	return ""
}

// conversionType returns the C type an argument is converted to: "size_t"
// for C.size_t(x), "int32_t*" for (*C.int32_t)(p); "" otherwise.
func conversionType(arg ast.Expr) string {
	conv, ok := arg.(*ast.CallExpr)
	if !ok || len(conv.Args) != 1 {
		return ""
	}
	fun := conv.Fun
	if p, ok := fun.(*ast.ParenExpr); ok {
		fun = p.X
	}
	if star, ok := fun.(*ast.StarExpr); ok {
		if name := cSelector(star.X); name != "" {
			return name + "*"
		}
		return ""
	}
	return cSelector(fun)
}

// exprString spells a Go type expression.
func exprString(e ast.Expr) string {
	switch t := e.(type) {
	case nil:
		return ""
	case *ast.Ident:
		return t.Name
	case *ast.StarExpr:
		return "*" + exprString(t.X)
	case *ast.SelectorExpr:
		return exprString(t.X) + "." + t.Sel.Name
	case *ast.ArrayType:
		return "[]" + exprString(t.Elt)
	}
	return fmt.Sprintf("%T", e)
}
