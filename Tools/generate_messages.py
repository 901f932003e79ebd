#!/usr/bin/env python3
"""Generates Swift message types for KappaWire from Apache Kafka's message JSON schemas.

Usage: Tools/generate_messages.py            (reads Specs/kafka-messages, writes Sources/KappaWire/Messages
                                              and Tests/KappaWireTests/Generated)

Each request/response/data schema becomes one Swift struct with a memberwise init (every parameter defaulted),
`init(from:version:)` and `write(to:version:)`. Tagged fields are parsed and skipped or kept on input and never
written (librdkafka < 2.2 mis-skips them; see protocol.md section 5.1). The output is committed; rerun after
changing a schema or this script. The test fixture file holds one sample value per message with every
non-tagged field set, so every version of every message round-trips in KappaWireTests.
"""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPECS = os.path.join(ROOT, "Specs", "kafka-messages")
OUT = os.path.join(ROOT, "Sources", "KappaWire", "Messages")
TEST_OUT = os.path.join(ROOT, "Tests", "KappaWireTests", "Generated")

SWIFT_KEYWORDS = {"protocol", "default", "internal", "operator", "repeat", "return", "self", "static", "struct",
                  "subscript", "switch", "throws", "true", "false", "try", "var", "let", "where", "while", "in",
                  "is", "init", "import", "func", "extension", "enum", "class", "case", "break", "continue", "do",
                  "else", "fallthrough", "for", "guard", "if", "nil", "public", "private", "Type", "as", "any"}

PRIMITIVES = {
    "int8": "Int8", "int16": "Int16", "uint16": "UInt16", "int32": "Int32", "int64": "Int64",
    "float64": "Double", "bool": "Bool", "string": "String", "bytes": "[UInt8]", "records": "ByteBuffer",
    "uuid": "KafkaUUID",
}

INTEGERS = ("int8", "int16", "uint16", "int32", "int64")


def load(path):
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"^\s*//.*$", "", text, flags=re.M)
    return json.loads(text)


class Versions:
    """A Kafka version range such as "3+", "0-7" or "none"."""

    def __init__(self, spec):
        spec = (spec or "none").strip()
        if spec == "none":
            self.lo, self.hi = None, None
        elif spec.endswith("+"):
            self.lo, self.hi = int(spec[:-1]), None
        elif "-" in spec:
            a, b = spec.split("-")
            self.lo, self.hi = int(a), int(b)
        else:
            self.lo = self.hi = int(spec)

    def empty(self):
        return self.lo is None

    def contains(self, v):
        return self.lo is not None and v >= self.lo and (self.hi is None or v <= self.hi)

    def condition(self, valid):
        """Swift condition on `version`, simplified against the message's valid range."""
        if self.lo is None:
            return "false"
        lo_needed = self.lo > valid.lo
        hi_needed = self.hi is not None and (valid.hi is None or self.hi < valid.hi)
        parts = []
        if lo_needed:
            parts.append(f"version >= {self.lo}")
        if hi_needed:
            parts.append(f"version <= {self.hi}")
        if self.lo is not None and self.hi is not None and self.lo == self.hi and lo_needed and hi_needed:
            return f"version == {self.lo}"
        return " && ".join(parts) if parts else "true"


def camel(name):
    out = name[0].lower() + name[1:]
    # Leading acronyms: "UUID" -> "uuid"
    m = re.match(r"^([a-z])([A-Z]+)(?=[A-Z][a-z]|$)", out)
    if m:
        out = m.group(1) + m.group(2).lower() + out[m.end():]
    return f"`{out}`" if out in SWIFT_KEYWORDS else out


def bare(name):
    return name.strip("`")


class Field:
    def __init__(self, js, valid):
        self.js = js
        self.name = js["name"]
        self.swift = camel(self.name)
        self.type = js["type"]
        self.versions = Versions(js.get("versions"))
        self.nullable = Versions(js.get("nullableVersions"))
        self.tagged = Versions(js.get("taggedVersions"))
        self.tag = js.get("tag")
        self.about = js.get("about", "")
        self.default = js.get("default")
        self.valid = valid
        self.is_array = self.type.startswith("[]")
        self.elem = self.type[2:] if self.is_array else self.type
        self.is_struct = self.elem not in PRIMITIVES
        self.fields = js.get("fields")

    def optional(self):
        return not self.nullable.empty()

    def swift_type(self):
        base = PRIMITIVES.get(self.elem, self.elem)
        t = f"[{base}]" if self.is_array else base
        return t + "?" if self.optional() else t

    def default_value(self):
        if self.optional() and (self.default in (None, "null") or self.is_array or self.type in ("bytes", "records")):
            if self.default == "null" or self.default is None:
                return "nil"
        if self.is_array:
            return "[]"
        t = self.type
        d = self.default
        if t in INTEGERS:
            if d is None or d == "":
                return "0"
            return str(int(str(d), 0))
        if t == "float64":
            return str(float(d)) if d not in (None, "") else "0"
        if t == "bool":
            return "true" if str(d).lower() == "true" else "false"
        if t == "string":
            if d in (None, "null"):
                return '""' if not self.optional() else "nil"
            return json.dumps(d)
        if t == "bytes":
            return "[]"
        if t == "records":
            return "nil"
        if t == "uuid":
            return ".zero"
        # non-array struct
        return f"{self.elem}()"


def reader(field, elem_type, nullable_expr):
    """Expression that reads one value of a primitive Kafka type from `buffer`."""
    t = elem_type
    if t in INTEGERS:
        return f"try buffer.readKafkaInt({PRIMITIVES[t]}.self)"
    if t == "float64":
        return "try buffer.readKafkaFloat64()"
    if t == "bool":
        return "try buffer.readKafkaBool()"
    if t == "uuid":
        return "try buffer.readKafkaUUID()"
    if t == "string":
        if nullable_expr:
            return f"try buffer.readKafkaNullableString(flexible: flexible)"
        return "try buffer.readKafkaString(flexible: flexible)"
    if t == "bytes":
        if nullable_expr:
            return "try buffer.readKafkaNullableBytes(flexible: flexible)"
        return "try buffer.readKafkaBytes(flexible: flexible)"
    if t == "records":
        return "try buffer.readKafkaRecords(flexible: flexible)"
    raise ValueError(t)


def writer(elem_type, value, nullable):
    t = elem_type
    if t in INTEGERS:
        return f"buffer.writeInteger({value})"
    if t == "float64":
        return f"buffer.writeInteger({value}.bitPattern)"
    if t == "bool":
        return f"buffer.writeInteger(UInt8({value} ? 1 : 0))"
    if t == "uuid":
        return f"buffer.writeKafkaUUID({value})"
    if t == "string":
        return f"buffer.writeKafkaString({value}, flexible: flexible)"
    if t == "bytes":
        return f"buffer.writeKafkaBytes({value}, flexible: flexible)"
    if t == "records":
        return f"buffer.writeKafkaRecords({value}, flexible: flexible)"
    raise ValueError(t)


class StructGen:
    def __init__(self, name, fields_js, valid, flexible, structs_by_name, doc=None):
        self.name = name
        self.valid = valid
        self.flexible = flexible
        self.fields = [Field(f, valid) for f in fields_js]
        self.structs_by_name = structs_by_name
        self.doc = doc

    def nested(self):
        out = []
        for f in self.fields:
            if f.is_struct and f.fields is not None:
                out.append(StructGen(f.elem, f.fields, self.valid, self.flexible, self.structs_by_name))
        return out

    def child_gen(self, f):
        """The StructGen of a struct field: nested in it, or one of the message's common structs."""
        if not f.is_struct:
            return None
        if f.fields is not None:
            return StructGen(f.elem, f.fields, self.valid, self.flexible, self.structs_by_name)
        return self.structs_by_name.get(f.elem)

    def has_records(self):
        """Whether a `records` field is in this struct or any struct inside it."""
        for f in self.fields:
            if f.type == "records" or f.elem == "records":
                return True
            child = self.child_gen(f)
            if child is not None and child.has_records():
                return True
        return False

    def flex_cond(self):
        if self.flexible.empty():
            return "false"
        return self.flexible.condition(self.valid) if self.flexible.lo > self.valid.lo else "true"

    def emit(self, indent, top_extra=None, conformance="KafkaStruct"):
        p = " " * indent
        L = []
        if self.doc:
            L.append(f"{p}/// {self.doc}")
        L.append(f"{p}public struct {self.name}: {conformance}, Equatable, Sendable {{")
        q = p + "    "
        if top_extra:
            L.extend(q + x for x in top_extra)
            L.append("")
        for f in self.fields:
            if f.about:
                L.append(f"{q}/// {f.about.strip()}")
            L.append(f"{q}public var {f.swift}: {f.swift_type()}")
        L.append("")
        # memberwise init
        params = ", ".join(f"{f.swift}: {f.swift_type()} = {f.default_value()}" for f in self.fields)
        L.append(f"{q}public init({params}) {{")
        for f in self.fields:
            L.append(f"{q}    self.{bare(f.swift)} = {f.swift}")
        L.append(f"{q}}}")
        L.append("")
        # decoder
        L.append(f"{q}public init(from buffer: inout ByteBuffer, version: Int16) throws {{")
        L.append(f"{q}    self.init()")
        never_flexible = self.flex_cond() == "false"
        if not never_flexible:
            L.append(f"{q}    let flexible = {self.flex_cond()}")
        for f in self.fields:
            if f.versions.empty():
                continue
            cond = f.versions.condition(self.valid)
            if not f.tagged.empty():
                # A field tagged in some versions and regular in others: regular read only where not tagged.
                if f.tagged.lo is not None and f.versions.lo is not None and f.tagged.lo > f.versions.lo:
                    cond = f"({cond}) && version < {f.tagged.lo}" if cond != "true" else f"version < {f.tagged.lo}"
                else:
                    continue
            body = self.read_stmt(f, q + "        ")
            if cond == "true":
                L.extend(x.replace(q + "        ", q + "    ", 1) for x in body)
            else:
                L.append(f"{q}    if {cond} {{")
                L.extend(body)
                L.append(f"{q}    }}")
        tagged = [f for f in self.fields if not f.tagged.empty()]
        if not never_flexible:
            L.append(f"{q}    if flexible {{")
        if never_flexible:
            pass
        elif tagged:
            L.append(f"{q}        try buffer.readKafkaTaggedFields {{ tag, buffer in")
            L.append(f"{q}            switch tag {{")
            for f in tagged:
                tcond = f.tagged.condition(self.valid)
                where = "" if tcond == "true" else f" where {tcond}"
                L.append(f"{q}            case {f.tag}{where}:")
                for x in self.read_stmt(f, q + "                ", flexible_override=True):
                    L.append(x)
            L.append(f"{q}            default: break")
            L.append(f"{q}            }}")
            L.append(f"{q}        }}")
        else:
            L.append(f"{q}        try buffer.skipKafkaTaggedFields()")
        if not never_flexible:
            L.append(f"{q}    }}")
        L.append(f"{q}}}")
        L.append("")
        # encoder
        records = self.has_records()
        if records:
            # Record bytes go through a writer, so a transport can send them from elsewhere (a file).
            L.append(f"{q}public func write(to buffer: inout ByteBuffer, version: Int16) {{")
            L.append(f"{q}    var recordsWriter = InlineRecordsWriter()")
            L.append(f"{q}    self.write(to: &buffer, version: version, records: &recordsWriter)")
            L.append(f"{q}}}")
            L.append("")
            L.append(f"{q}public func write<Records: KafkaRecordsWriter>(")
            L.append(f"{q}    to buffer: inout ByteBuffer, version: Int16, records recordsWriter: inout Records")
            L.append(f"{q}) {{")
        else:
            L.append(f"{q}public func write(to buffer: inout ByteBuffer, version: Int16) {{")
        if not never_flexible:
            L.append(f"{q}    let flexible = {self.flex_cond()}")
        for f in self.fields:
            if f.versions.empty():
                continue
            cond = f.versions.condition(self.valid)
            if not f.tagged.empty():
                if f.tagged.lo is not None and f.versions.lo is not None and f.tagged.lo > f.versions.lo:
                    cond = f"({cond}) && version < {f.tagged.lo}" if cond != "true" else f"version < {f.tagged.lo}"
                else:
                    continue  # tagged fields are never written
            body = self.write_stmt(f, q + "        ")
            if cond == "true":
                L.extend(x.replace(q + "        ", q + "    ", 1) for x in body)
            else:
                L.append(f"{q}    if {cond} {{")
                L.extend(body)
                L.append(f"{q}    }}")
        if not never_flexible:
            L.append(f"{q}    if flexible {{ buffer.writeInteger(UInt8(0)) }}")
        L.append(f"{q}}}")
        if never_flexible:
            L = [x.replace("flexible: flexible", "flexible: false") for x in L]
        for n in self.nested():
            L.append("")
            L.extend(n.emit(indent + 4))
        L.append(f"{p}}}")
        return L

    def read_stmt(self, f, ind, flexible_override=False):
        target = f"self.{bare(f.swift)}"
        nullable_cond = f.nullable.condition(self.valid) if f.optional() else None
        L = []
        if f.is_array:
            elem_read = (f"try {f.elem}(from: &buffer, version: version)" if f.is_struct
                         else reader(f, f.elem, False))
            if f.optional():
                L.append(f"{ind}if let count = try buffer.readKafkaArrayCount(flexible: flexible) {{")
                L.append(f"{ind}    var items: [{PRIMITIVES.get(f.elem, f.elem)}] = []")
                L.append(f"{ind}    items.reserveCapacity(count)")
                L.append(f"{ind}    for _ in 0..<count {{ items.append({elem_read}) }}")
                L.append(f"{ind}    {target} = items")
                L.append(f"{ind}}} else {{")
                L.append(f"{ind}    {target} = nil")
                L.append(f"{ind}}}")
            else:
                L.append(f"{ind}let {bare(f.swift)}Count = try buffer.readKafkaArrayCount(flexible: flexible) ?? 0")
                L.append(f"{ind}{target}.reserveCapacity({bare(f.swift)}Count)")
                L.append(f"{ind}for _ in 0..<{bare(f.swift)}Count {{ {target}.append({elem_read}) }}")
        elif f.is_struct and f.optional():
            # Nullable structs carry a presence byte: -1 null, 1 present.
            L.append(f"{ind}{target} = try buffer.readKafkaInt(Int8.self) < 0 ? nil : {f.elem}(from: &buffer, version: version)")
        elif f.is_struct:
            L.append(f"{ind}{target} = try {f.elem}(from: &buffer, version: version)")
        else:
            L.append(f"{ind}{target} = {reader(f, f.type, f.optional())}")
        return L

    def write_stmt(self, f, ind):
        v = f"self.{bare(f.swift)}"
        L = []
        child = self.child_gen(f)
        if child is not None and child.has_records():
            args = "to: &buffer, version: version, records: &recordsWriter"
        else:
            args = "to: &buffer, version: version"
        if f.type == "records":
            L.append(f"{ind}recordsWriter.writeRecords({v}, to: &buffer, flexible: flexible)")
            return L
        if f.is_array:
            if f.is_struct:
                each = f"item.write({args})"
            else:
                each = writer(f.elem, "item", False)
            if f.optional():
                L.append(f"{ind}if let items = {v} {{")
                L.append(f"{ind}    buffer.writeKafkaArrayCount(items.count, flexible: flexible)")
                L.append(f"{ind}    for item in items {{ {each} }}")
                L.append(f"{ind}}} else {{")
                L.append(f"{ind}    buffer.writeKafkaNullArray(flexible: flexible)")
                L.append(f"{ind}}}")
            else:
                L.append(f"{ind}buffer.writeKafkaArrayCount({v}.count, flexible: flexible)")
                L.append(f"{ind}for item in {v} {{ {each} }}")
        elif f.is_struct and f.optional():
            L.append(f"{ind}if let value = {v} {{")
            L.append(f"{ind}    buffer.writeInteger(Int8(1))")
            L.append(f"{ind}    value.write({args})")
            L.append(f"{ind}}} else {{")
            L.append(f"{ind}    buffer.writeInteger(Int8(-1))")
            L.append(f"{ind}}}")
        elif f.is_struct:
            L.append(f"{ind}{v}.write({args})")
        else:
            L.append(f"{ind}{writer(f.type, v, f.optional())}")
        return L

    # --- sample values for the round-trip fixtures ---
    def sample(self, depth=0, seed=[0]):
        args = []
        for f in self.fields:
            if f.versions.empty() or (not f.tagged.empty() and not (f.tagged.lo is not None and f.versions.lo is not None and f.tagged.lo > f.versions.lo)):
                continue
            seed[0] += 1
            s = seed[0]
            args.append(f"{bare(f.swift)}: {self.sample_value(f, s, depth)}")
        return f"{self.qualified}(" + ", ".join(args) + ")"

    def sample_value(self, f, s, depth):
        if f.is_array:
            if f.is_struct:
                sub = self.child(f.elem)
                items = [sub.sample(depth + 1) for _ in range(2)]
                return "[" + ", ".join(items) + "]"
            return "[" + ", ".join(prim_sample(f.elem, s + i) for i in range(2)) + "]"
        if f.is_struct:
            return self.child(f.elem).sample(depth + 1)
        return prim_sample(f.type, s)

    def child(self, name):
        for n in self.nested():
            if n.name == name:
                n.qualified = self.qualified + "." + name
                n.root_name = self.root_name
                return n
        c = self.structs_by_name[name]
        c.qualified = self.root_name + "." + name
        c.root_name = self.root_name
        return c


def prim_sample(t, s):
    if t in ("int8",):
        return str(s % 100 + 1)
    if t in ("int16", "uint16"):
        return str(s * 7 % 30000 + 1)
    if t in ("int32",):
        return str(s * 7919 + 3)
    if t in ("int64",):
        return str(s * 1_000_003 + 5)
    if t == "float64":
        return f"{s}.5"
    if t == "bool":
        return "true"
    if t == "string":
        return f'"s{s}-é"'
    if t == "bytes":
        return f"[{s % 256}, 0, 255, 7]"
    if t == "records":
        return f"ByteBuffer(bytes: [{s % 256}, 1, 2, 3, 4])"
    if t == "uuid":
        return f"KafkaUUID(high: {s}, low: {s * 31})"
    raise ValueError(t)


def generate(path):
    js = load(path)
    kind = js["type"]
    if kind not in ("request", "response", "data"):
        return None
    name = js["name"]
    valid = Versions(js["validVersions"])
    flexible = Versions(js.get("flexibleVersions", "none"))
    common = {}
    for c in js.get("commonStructs", []):
        common[c["name"]] = StructGen(c["name"], c["fields"], valid, flexible, common)
    top = StructGen(name, js["fields"], valid, flexible, common,
                    doc=f"{name} (API key {js.get('apiKey', '-')}, versions {js['validVersions']}).")
    top.qualified = name
    top.root_name = name
    extra = []
    if "apiKey" in js:
        extra.append(f"public static let apiKey: Int16 = {js['apiKey']}")
    hi = valid.hi
    extra.append(f"public static let validVersions: ClosedRange<Int16> = {valid.lo}...{hi}")
    extra.append(f"public static let firstFlexibleVersion: Int16? = {flexible.lo if flexible.lo is not None else 'nil'}")
    conformance = "KafkaMessage"
    lines = [
        f"// Generated by Tools/generate_messages.py from Specs/kafka-messages/{os.path.basename(path)}.",
        "// Do not edit by hand: change the generator or the schema and regenerate.",
        "",
        "import NIOCore",
        "",
    ]
    body = top.emit(0, top_extra=extra, conformance=conformance)
    # common structs go inside the top struct, before its closing brace
    if common:
        closing = body.pop()
        for c in common.values():
            body.append("")
            body.extend(c.emit(4))
        body.append(closing)
    lines.extend(body)
    sample = top.sample()
    return name, "\n".join(lines) + "\n", sample, kind, js.get("apiKey")


def main():
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(TEST_OUT, exist_ok=True)
    for old in os.listdir(OUT):
        if old.endswith(".swift"):
            os.remove(os.path.join(OUT, old))
    samples = []
    apis = []
    for fn in sorted(os.listdir(SPECS)):
        if not fn.endswith(".json"):
            continue
        result = generate(os.path.join(SPECS, fn))
        if result is None:
            continue
        name, text, sample, kind, key = result
        with open(os.path.join(OUT, name + ".swift"), "w", encoding="utf-8") as fh:
            fh.write(text)
        samples.append((name, sample))
        if kind == "request":
            apis.append((key, name[:-len("Request")]))
    apis.sort()
    ak = [
        "// Generated by Tools/generate_messages.py from the request schemas in Specs/kafka-messages.",
        "// Do not edit by hand.",
        "",
        "/// The APIs this codec can decode, with their request and response message types.",
        "public enum ApiKey: Int16, CaseIterable, Sendable {",
    ]
    for key, base in apis:
        ak.append(f"    case {camel(base)} = {key}")
    ak += ["", "    public var name: String {", "        switch self {"]
    for key, base in apis:
        ak.append(f'        case .{camel(base)}: return "{base}"')
    ak += ["        }", "    }", "", "    public var requestType: any KafkaMessage.Type {", "        switch self {"]
    for key, base in apis:
        ak.append(f"        case .{camel(base)}: return {base}Request.self")
    ak += ["        }", "    }", "", "    public var responseType: any KafkaMessage.Type {", "        switch self {"]
    for key, base in apis:
        ak.append(f"        case .{camel(base)}: return {base}Response.self")
    ak += ["        }", "    }", "}"]
    with open(os.path.join(OUT, "ApiKey.swift"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(ak) + "\n")
    fx = [
        "// Generated by Tools/generate_messages.py: one sample of every message with every non-tagged field set.",
        "// Do not edit by hand.",
        "",
        "import KappaWire",
        "import NIOCore",
        "",
        "/// A message sample with the versions it should round-trip at.",
        "struct MessageSample: Sendable, CustomStringConvertible {",
        "    let name: String",
        "    let versions: ClosedRange<Int16>",
        "    let roundTrip: @Sendable (Int16) throws -> (first: ByteBuffer, second: ByteBuffer, leftover: Int)",
        "    var description: String { name }",
        "}",
        "",
        "func roundTrip<M: KafkaMessage>(_ message: M, version: Int16) throws -> (first: ByteBuffer, second: ByteBuffer, leftover: Int) {",
        "    var first = ByteBuffer()",
        "    message.write(to: &first, version: version)",
        "    var reader = first",
        "    let decoded = try M(from: &reader, version: version)",
        "    var second = ByteBuffer()",
        "    decoded.write(to: &second, version: version)",
        "    return (first, second, reader.readableBytes)",
        "}",
        "",
        "let allMessageSamples: [MessageSample] = [",
    ]
    for name, sample in samples:
        fx.append(f'    MessageSample(name: "{name}", versions: {name}.validVersions) {{ version in')
        fx.append(f"        try roundTrip({sample}, version: version)")
        fx.append("    },")
    fx.append("]")
    with open(os.path.join(TEST_OUT, "MessageSamples.swift"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(fx) + "\n")
    print(f"generated {len(samples)} messages into {os.path.relpath(OUT, ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
