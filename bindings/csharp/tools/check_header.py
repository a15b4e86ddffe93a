#!/usr/bin/env python3
"""Checks the C# binding's raw declarations against include/wisp/wisp.h.

Compares, in both directions: every function (return type, parameter names
and types), every struct (field names, types and order), every enum (member
names and values), every callback type, and the API version macros. Also
checks that each C enum value is named by a public C# enum member, so the
idiomatic enums cannot silently lag the header.

  python3 check_header.py HEADER CSHARP_SRC_DIR      exit 0: in sync
  python3 check_header.py --self-test HEADER DIR     proves drift is caught

The header is read by the parser shared with the other bindings,
bindings/tools/wisp_header.py; this script keeps only the C# side.
Standard library only.
"""
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import wisp_header  # noqa: E402  (bindings/tools: the shared C-header parser)

# C base type -> C# spelling of one value of it.
SCALARS = {
    "size_t": "UIntPtr", "int32_t": "int", "int": "int", "float": "float",
    "uint64_t": "ulong", "int64_t": "long", "char": "byte", "void": "void",
}
HANDLES = {"wisp_model": "ModelHandle", "wisp_session": "SessionHandle",
           "wisp_trainer": "TrainerHandle"}


def c_type(t):
    """CType('wisp_model', True, 1) -> ('wisp_model', 1): C# has no const."""
    return t.base, t.pointers


def c_decl(p):
    """Param 'const wisp_model* model' -> ('wisp_model', 1, 'model')."""
    return p.type.base, p.type.pointers, p.name


def enum_members(body):
    """'A = 0, B = 1,' (C#) -> {'A': 0, 'B': 1}."""
    members = {}
    for item in body.split(","):
        if item.strip():
            key, value = item.split("=")
            members[key.strip()] = int(value.strip())
    return members


def parse_header(text):
    """The header, read by the shared parser, in this script's model."""
    h = wisp_header.parse(text)
    api = {"functions": {}, "structs": {}, "enums": dict(h.enums),
           "callbacks": {}, "version": {}}
    for name, value in h.version.items():
        if name in ("WISP_API_VERSION_MAJOR", "WISP_API_VERSION_MINOR"):
            api["version"][name] = value
    for name, fields in h.structs.items():
        if fields is not None:  # opaque handles are checked as HANDLES
            api["structs"][name] = [c_decl(f) for f in fields]
    for kind, decls in (("callbacks", h.callbacks), ("functions", h.functions)):
        for name, fn in decls.items():
            api[kind][name] = (c_type(fn.ret), [c_decl(p) for p in fn.params])
    return api


def parse_csharp(src_dir):
    text = ""
    for root, _, files in os.walk(src_dir):
        for f in sorted(files):
            if f.endswith(".cs"):
                with open(os.path.join(root, f), encoding="utf-8") as fh:
                    text += fh.read() + "\n"
    code = re.sub(r"//[^\n]*", " ", text)
    api = {"functions": {}, "structs": {}, "enums": {}, "callbacks": {},
           "version": {}, "public_enum_refs": set()}
    for name, value in re.findall(
            r"const\s+int\s+(WISP_API_VERSION_(?:MAJOR|MINOR))\s*=\s*(\d+)",
            code):
        api["version"][name] = int(value)
    for name, body in re.findall(r"internal\s+enum\s+(wisp_\w+)\s*\{(.*?)\}",
                                 code, re.S):
        api["enums"][name] = enum_members(body)
    for name, body in re.findall(
            r"internal\s+struct\s+(wisp_\w+)\s*\{(.*?)\}", code, re.S):
        api["structs"][name] = [cs_param(f)[1:] for f in body.split(";")
                                if f.strip()]
    for ret, name, params in re.findall(
            r"internal\s+delegate\s+(\w+)\s+(wisp_\w+)\s*\(([^)]*)\)\s*;", code):
        api["callbacks"][name] = (ret, [cs_param(p)[1:] for p in split(params)])
    for ret, name, params in re.findall(
            r"static\s+extern\s+(\w+)\s+(wisp_\w+)\s*\(([^)]*)\)\s*;", code):
        api["functions"][name] = (ret, [cs_param(p)[1:] for p in split(params)])
    api["public_enum_refs"] = set(re.findall(
        r"=\s*wisp_\w+\.(WISP_\w+)\s*,", code))
    return api


def split(params):
    return [p for p in params.split(",") if p.strip()]


def cs_param(decl):
    """'[Out] int[] ids' -> (None, 'int[]', 'ids'); 'out UIntPtr n' ->
    (None, 'out UIntPtr', 'n'). Attributes are dropped, `@` unescaped."""
    decl = re.sub(r"\[\w+\]", " ", decl).split()
    if decl and decl[0] == "public":
        decl = decl[1:]
    return (None, " ".join(decl[:-1]), decl[-1].lstrip("@"))


def allowed(base, depth, role):
    """C# spellings acceptable for a C type; role is 'param', 'field' or
    'return'."""
    if depth == 0:
        if base in SCALARS:
            return {SCALARS[base]}
        return {base}  # an enum or struct by value, under its C name
    if depth == 1 and base in HANDLES:
        return {HANDLES[base], "IntPtr"}
    if depth == 2 and base in HANDLES:
        return {"out " + HANDLES[base]}
    if depth == 1:
        if base in ("char", "void"):
            return {"byte[]", "IntPtr"}  # buffers, or C strings / user data
        value = SCALARS.get(base, base)
        return {value + "[]", "out " + value, "ref " + value}
    return set()


def compare(c, cs):
    errors = []

    def both(kind):
        for name in sorted(set(c[kind]) - set(cs[kind])):
            errors.append("%s %s is in the header but not in the binding"
                          % (kind[:-1], name))
        for name in sorted(set(cs[kind]) - set(c[kind])):
            errors.append("%s %s is in the binding but not in the header"
                          % (kind[:-1], name))
        return sorted(set(c[kind]) & set(cs[kind]))

    def params(where, c_params, cs_params):
        if len(c_params) != len(cs_params):
            errors.append("%s: %d %s in the header, %d in the binding"
                          % (where, len(c_params),
                             "fields" if where.startswith("struct") else
                             "parameters", len(cs_params)))
            return
        for (base, depth, name), (cs_type, cs_name) in zip(c_params, cs_params):
            if name != cs_name:
                errors.append("%s: parameter %s is called %s in the binding"
                              % (where, name, cs_name))
            if cs_type not in allowed(base, depth, "param"):
                errors.append("%s: %s has C type %s%s but C# type %s"
                              % (where, name, base, "*" * depth, cs_type))

    if c["version"] != cs["version"]:
        errors.append("API version: header %s, binding %s"
                      % (c["version"], cs["version"]))
    for name in both("enums"):
        if c["enums"][name] != cs["enums"][name]:
            errors.append("enum %s: header %s, binding %s"
                          % (name, c["enums"][name], cs["enums"][name]))
        for member in sorted(set(c["enums"][name]) - cs["public_enum_refs"]):
            errors.append("enum %s: no public C# enum member maps %s"
                          % (name, member))
    for name in both("structs"):
        params("struct " + name, c["structs"][name], cs["structs"][name])
    for name in both("callbacks"):
        (ret, _), c_params = c["callbacks"][name]
        cs_ret, cs_params = cs["callbacks"][name]
        if cs_ret not in allowed(ret, 0, "return"):
            errors.append("callback %s returns %s, binding %s"
                          % (name, ret, cs_ret))
        params("callback " + name, c_params, cs_params)
    for name in both("functions"):
        (ret, depth), c_params = c["functions"][name]
        cs_ret, cs_params = cs["functions"][name]
        ok = {"IntPtr"} if depth else allowed(ret, 0, "return")
        if cs_ret not in ok:
            errors.append("function %s returns %s%s, binding %s"
                          % (name, ret, "*" * depth, cs_ret))
        params("function " + name, c_params, cs_params)
    return errors


def check(header_text, src_dir):
    return compare(parse_header(header_text), parse_csharp(src_dir))


# Each mutation of the header must make the check fail.
MUTATIONS = [
    ("a function added",
     "WISP_API void wisp_model_free(wisp_model* model);",
     "WISP_API void wisp_model_free(wisp_model* model);\n"
     "WISP_API int wisp_new_function(void);"),
    ("a function removed",
     "WISP_API wisp_status wisp_session_reset(wisp_session* session);", ""),
    ("a parameter type changed",
     "wisp_trainer_set_data_ids(wisp_trainer* trainer,\n"
     "                                               const int32_t* ids,",
     "wisp_trainer_set_data_ids(wisp_trainer* trainer,\n"
     "                                               const int64_t* ids,"),
    ("a parameter added",
     "wisp_status wisp_session_reset(wisp_session* session);",
     "wisp_status wisp_session_reset(wisp_session* session, int hard);"),
    ("a struct field added",
     "  int32_t context_length;\n} wisp_session_params;",
     "  int32_t context_length;\n  int32_t batch;\n} wisp_session_params;"),
    ("a struct field type changed",
     "  uint64_t seed;             /* same seed",
     "  uint32_t seed;             /* same seed"),
    ("an enum value added",
     "WISP_ERR_MISMATCH = 11", "WISP_ERR_MISMATCH = 11,\n  WISP_ERR_BUSY = 12"),
    ("an enum value changed", "WISP_STOP_CALLBACK = 3", "WISP_STOP_CALLBACK = 4"),
    ("a callback changed",
     "typedef int (*wisp_train_callback)(const wisp_step_info* info,",
     "typedef int (*wisp_train_callback)(const wisp_step_info* info, int x,"),
    # "re:" marks a regular expression: the version moves with every bump.
    ("the minor version bumped",
     r"re:#define WISP_API_VERSION_MINOR \d+", "#define WISP_API_VERSION_MINOR 999"),
]


def main(argv):
    self_test = "--self-test" in argv
    args = [a for a in argv[1:] if a != "--self-test"]
    if len(args) != 2:
        print(__doc__)
        return 2
    with open(args[0], encoding="utf-8") as fh:
        header = fh.read()
    errors = check(header, args[1])
    if errors:
        print("the C# binding does not match %s:" % args[0])
        for e in errors:
            print("  " + e)
        return 1
    api = parse_header(header)
    print("in sync: %d functions, %d structs, %d enums, %d callbacks"
          % (len(api["functions"]), len(api["structs"]), len(api["enums"]),
             len(api["callbacks"])))
    if self_test:
        for what, old, new in MUTATIONS:
            if old.startswith("re:"):
                mutated, n = re.subn(old[3:], new, header, count=1)
            else:
                n = header.count(old)
                mutated = header.replace(old, new, 1)
            if n == 0:
                print("self-test: the header no longer contains the text "
                      "mutated for '%s'; update MUTATIONS" % what)
                return 1
            found = check(mutated, args[1])
            if not found:
                print("self-test: '%s' was NOT detected" % what)
                return 1
            print("self-test: %s -> %s" % (what, found[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
