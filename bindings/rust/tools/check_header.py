#!/usr/bin/env python3
"""Checks that the Rust binding's raw declarations (src/sys.rs) match
include/wisp/wisp.h: every function (name, parameter and return types),
struct (field names and types, in order), enum (names and values) and
callback type. Exits 1 and lists the differences if they drift apart.

  check_header.py HEADER SYS_RS        compare the two files
  check_header.py --self-test HEADER SYS_RS
      also proves the check catches drift: applies typical header edits
      (a function added/removed/changed, a struct field added, an enum value
      changed...) and fails unless each one is reported.

It also fails if a function or enum value of sys.rs is used by no other file
of the crate: the safe API must cover the whole header.

Both sides are reduced to one model (C types spelled as Rust types), so the
comparison is exact rather than a fuzzy text match. The header is read by the
parser shared with the other bindings, bindings/tools/wisp_header.py; this
script keeps only the Rust side. Python 3 stdlib only.
"""
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import wisp_header  # noqa: E402  (bindings/tools: the shared C-header parser)
from wisp_header import split_top  # noqa: E402

C_TO_RUST = {
    "size_t": "usize", "int32_t": "i32", "int64_t": "i64", "uint32_t": "u32",
    "uint64_t": "u64", "int8_t": "i8", "uint8_t": "u8", "int16_t": "i16",
    "uint16_t": "u16", "float": "f32", "double": "f64", "int": "c_int",
    "unsigned": "c_uint", "char": "c_char", "void": "c_void", "long": "c_long",
}


def rust_type(t):
    """CType('char', True, 1) -> '*const c_char'; wisp_model** -> '*mut *mut wisp_model'."""
    rust = C_TO_RUST.get(t.base, t.base)
    if t.base == "void" and not t.pointers:
        return "()"
    for i in range(t.pointers):
        rust = ("*const " if (i == 0 and t.const) else "*mut ") + rust
    return rust


def parse_header(src):
    """Returns {kind: {name: description}} for the C header, read by the
    shared parser and spelled as Rust types."""
    try:
        h = wisp_header.parse(src)
    except wisp_header.HeaderError as e:
        raise SystemExit(f"check_header: {e}")
    model = {"fn": {}, "struct": {}, "enum": dict(h.enums), "callback": {},
             "const": dict(h.version)}
    for name, fields in h.structs.items():
        model["struct"][name] = "opaque" if fields is None else [
            (f.name, rust_type(f.type)) for f in fields]
    for kind, decls in (("callback", h.callbacks), ("fn", h.functions)):
        for name, fn in decls.items():
            model[kind][name] = ([rust_type(p.type) for p in fn.params], rust_type(fn.ret))
    return model


def norm_rust_type(t):
    return re.sub(r"\s+", " ", t).replace("* ", "*").strip().replace("*const", "*const ").replace(
        "*mut", "*mut ").replace("  ", " ")


def rust_params(text):
    out = []
    for p in split_top(text, ","):
        _, _, ty = p.partition(":")
        out.append(norm_rust_type(ty))
    return out


def eval_const(expr, consts):
    expr = re.sub(r"\b[A-Z_][A-Z0-9_]*\b", lambda m: str(consts[m.group(0)]), expr)
    if not re.fullmatch(r"[\d\s()<>|+*-]+", expr):
        raise SystemExit(f"check_header: cannot evaluate constant {expr}")
    return eval(expr, {"__builtins__": {}})  # digits and operators only


def parse_sys(src):
    """Returns the same model for src/sys.rs."""
    model = {"fn": {}, "struct": {}, "enum": {}, "callback": {}, "const": {}}
    src = re.sub(r"//[^\n]*", " ", src)
    src = re.sub(r"#!?\[[^\]]*\]", " ", src)
    src = re.sub(r"\s+", " ", src)
    aliases, consts = {}, {}
    for m in re.finditer(r"pub const (\w+): (\w+) = ([^;]+);", src):
        value = eval_const(m.group(3), consts)
        consts[m.group(1)] = value
        if m.group(2) == "c_int" and m.group(1).startswith("WISP_API_VERSION_"):
            model["const"][m.group(1)] = value
        elif m.group(2) != "c_int":
            model["enum"].setdefault(m.group(2), {})[m.group(1)] = value
    for m in re.finditer(r"pub type (\w+) = ([^;]+);", src):
        name, ty = m.group(1), m.group(2).strip()
        cb = re.fullmatch(r'Option< ?unsafe extern "C" fn\((.*)\) -> (\w+),? ?>', ty)
        if cb:
            model["callback"][name] = (rust_params(cb.group(1)), cb.group(2))
        else:
            aliases[name] = ty
    for name in model["enum"]:
        if aliases.get(name) != "c_int":
            raise SystemExit(f"check_header: enum {name} is not a c_int alias in sys.rs")
    for m in re.finditer(r"pub struct (\w+) \{(.*?)\}", src):
        body = m.group(2).strip()
        if body.startswith("_opaque"):
            model["struct"][m.group(1)] = "opaque"
            continue
        fields = []
        for f in split_top(body, ","):
            fname, _, ty = f.replace("pub ", "", 1).partition(":")
            fields.append((fname.strip(), norm_rust_type(ty)))
        model["struct"][m.group(1)] = fields
    block = re.search(r'extern "C" \{(.*)\}', src)
    for m in re.finditer(r"pub fn (\w+)\((.*?)\)( -> ([^;]+))?;", block.group(1)):
        ret = norm_rust_type(m.group(4)) if m.group(4) else "()"
        model["fn"][m.group(1)] = (rust_params(m.group(2)), ret)
    return model


def compare(header, rust):
    diffs = []
    for kind in ("const", "enum", "struct", "callback", "fn"):
        h, r = header[kind], rust[kind]
        for name in sorted(set(h) | set(r)):
            if name not in r:
                diffs.append(f"{kind} {name}: in the header, missing from sys.rs")
            elif name not in h:
                diffs.append(f"{kind} {name}: in sys.rs, not in the header")
            elif h[name] != r[name]:
                diffs.append(f"{kind} {name}: header {h[name]} != sys.rs {r[name]}")
    return diffs


# Typical header edits that must each be reported: (description, name the
# report must mention, old text, new text); old text starting with "re:" is a
# regular expression.
MUTATIONS = [
    ("function added", "wisp_added", "#ifdef __cplusplus\n} /* extern",
     "WISP_API int wisp_added(void);\n#ifdef __cplusplus\n} /* extern"),
    ("function removed", "wisp_trainer_export_model",
     r"re:WISP_API wisp_status wisp_trainer_export_model\([^;]*;", ""),
    ("parameter type changed", "wisp_trainer_train", "size_t n_steps", "int32_t n_steps"),
    ("return type changed", "wisp_api_version", "WISP_API int wisp_api_version(void)",
     "WISP_API long wisp_api_version(void)"),
    ("struct field added", "wisp_model_params", "int verify_checksums;",
     "int verify_checksums;\n  int64_t extra;"),
    ("struct field type changed", "wisp_step_info", "float grad_norm;", "double grad_norm;"),
    ("struct field renamed", "wisp_session_params", "int32_t context_length;",
     "int32_t context_len;"),
    ("enum value changed", "wisp_status", "WISP_ERR_MISMATCH = 11", "WISP_ERR_MISMATCH = 12"),
    ("enum value added", "wisp_stop_reason", "WISP_STOP_CALLBACK = 3",
     "WISP_STOP_CALLBACK = 3,\n  WISP_STOP_OTHER"),
    ("callback changed", "wisp_token_callback", "size_t text_len, void* user_data);",
     "int32_t text_len, void* user_data);"),
    ("version bumped", "WISP_API_VERSION_MINOR", r"re:#define WISP_API_VERSION_MINOR \d+",
     "#define WISP_API_VERSION_MINOR 999"),
]


def mutate(src, old, new):
    if old.startswith("re:"):
        out, n = re.subn(old[3:], new, src, count=1)
        assert n == 1, f"self-test: /{old[3:]}/ no longer matches the header"
        return out
    assert old in src, f"self-test: '{old}' no longer in the header"
    return src.replace(old, new, 1)


def unwrapped_items(rust, src_dir):
    """Functions and enum values of sys.rs that no other file of the crate
    uses: a header addition transcribed into sys.rs but not given a safe API."""
    safe = ""
    for name in sorted(os.listdir(src_dir)):
        if name.endswith(".rs") and name != "sys.rs":
            safe += open(os.path.join(src_dir, name), encoding="utf-8").read()
    used = set(re.findall(r"\bsys::(\w+)", safe))
    names = list(rust["fn"]) + [v for values in rust["enum"].values() for v in values]
    return [n for n in names if n not in used]


def main(argv):
    self_test = "--self-test" in argv
    args = [a for a in argv if a != "--self-test"]
    if len(args) != 2:
        raise SystemExit(__doc__)
    header_src = open(args[0], encoding="utf-8").read()
    rust = parse_sys(open(args[1], encoding="utf-8").read())
    header = parse_header(header_src)
    diffs = compare(header, rust)
    for d in diffs:
        print("drift:", d)
    if diffs:
        print(f"{args[1]} does not match {args[0]}: update sys.rs and the safe API")
        return 1
    unwrapped = unwrapped_items(rust, os.path.dirname(args[1]))
    for name in unwrapped:
        print(f"not wrapped: sys::{name} is used by no safe type in {os.path.dirname(args[1])}")
    if unwrapped:
        return 1
    print(f"sys.rs matches wisp.h: {len(header['fn'])} functions, {len(header['struct'])} structs,"
          f" {len(header['enum'])} enums, {len(header['callback'])} callbacks")
    if self_test:
        for what, name, old, new in MUTATIONS:
            found = compare(parse_header(mutate(header_src, old, new)), rust)
            if not any(f" {name}:" in d for d in found):
                print(f"self-test FAILED: '{what}' went unnoticed")
                return 1
            print(f"self-test: {what} -> reported ({len(found)} difference(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
