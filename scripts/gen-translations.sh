#!/usr/bin/env bash
# scripts/gen-translations.sh [LOCALEDIR]
#
# Regenerates patterns/translations/<lang>.tsv from PostgreSQL's own message catalogues:
# the .mo files Debian's postgresql-15 (server, postgres-15.mo) and postgresql-client-15
# (initdb-15.mo, pg_ctl-15.mo, ...) install under LOCALEDIR (default /usr/share/locale).
# A catalogue maps each English errmsg() format string (msgid) to its translation (msgstr);
# only the msgids that are templates (or DETAIL templates) of patterns/*.toml are kept, with
# the severity and continuation labels and the " at character %d" position suffix. Needs
# python3 only (struct, tomllib). The header of each file states the package versions.
set -euo pipefail
cd "$(dirname "$0")/.."
localedir=${1:-/usr/share/locale}
versions=$(dpkg-query -W -f '${Package} ${Version}; ' postgresql-15 postgresql-client-15 2>/dev/null || echo "unknown (not a Debian package install)")
exec python3 - "$localedir" "$versions" <<'PY'
import glob, os, re, struct, sys, tomllib

localedir, versions = sys.argv[1], sys.argv[2].strip().rstrip(";")
LANGS = ["de", "es", "fr", "it", "ja", "ka", "ko", "ru", "sv", "uk", "zh_CN"]
# msgid -> the label it is, as PostgreSQL prints it (elog.c): levels bare (followed by
# ":  "), continuation labels with their colon and spaces.
LABELS = ["PANIC", "FATAL", "ERROR", "WARNING", "NOTICE", "LOG", "INFO", "DEBUG",
          "DETAIL:  ", "HINT:  ", "STATEMENT:  ", "CONTEXT:  ", "QUERY:  ",
          "LOCATION:  %s, %s:%d\n", "BACKTRACE:  "]
POSITION = " at character %d"

wanted = set()
for path in sorted(glob.glob("patterns/*.toml")):
    with open(path, "rb") as f:
        for p in tomllib.load(f).get("pattern", []):
            for t in p.get("template", []):
                wanted.add(t["text"])
                if "detail" in t:
                    wanted.add(t["detail"])

CONV = re.compile(r"%%|%(?:(\d+)\$)?([-+ #0]*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|z|j|t)?[sdiuxXcgfeGm])")

def convs(s):
    """(start, end, argument, spec) of each conversion, in text order."""
    out, n = [], 0
    for m in CONV.finditer(s):
        if m.group(0) == "%%":
            continue
        arg = int(m.group(1)) - 1 if m.group(1) else n
        n += 1
        out.append((m.start(), m.end(), arg, m.group(2)))
    return out

def literal_len(s):
    return len(CONV.sub("", s))

def prefix_translations(t, cat):
    """A template that ends its message early with %s (`checkpoint complete: ... recycled;
    %s`): each msgid it is the start of, translated up to the same conversion, then %s."""
    if not t.endswith("%s") or literal_len(t[:-2]) < 12:
        return []
    head = t[:-2]
    k = len(convs(head))
    out = []
    for m, s in cat.items():
        if not s or m == t or not m.startswith(head) or len(convs(m)) <= k:
            continue
        cs = convs(s)
        if len(cs) <= k or any(a != i for i, (_, _, a, _) in enumerate(cs[:k])):
            continue
        cut = cs[k - 1][1] if k else cs[0][0]
        out.append(CONV.sub(lambda c: "%%" if c.group(0) == "%%" else "%" + c.group(2), s[:cut]) + "%s")
    return out

def composite_translation(t, cat, depth=0):
    """A template PostgreSQL composes from two messages (`syntax error at or near "%s"` is
    `%s at or near "%s"` around `syntax error`; `listening on IPv4 address ...` keeps the
    untranslated `IPv4`): the outer msgid's translation with each part filled in, its
    translation when it has one, else as is when it is a name of at most three words."""
    best = None
    for m, s in cat.items():
        if not s or m == t or "%s" not in m or literal_len(m) < 6:
            continue
        mc = convs(m)
        rx, at = "", 0
        for (a, b, _, spec) in mc:
            value = "(.*?)" if spec == "s" else r"(-?\d+|" + re.escape(m[a:b]) + ")" if spec[-1] in "diu" else None
            if value is None:
                value = "(" + re.escape(m[a:b]) + ")"
            rx += re.escape(m[at:a]) + value
            at = b
        rx += re.escape(m[at:])
        hit = re.fullmatch(rx, t, re.S)
        if not hit or (best and literal_len(m) <= best[0]):
            continue
        parts, g = {}, 0
        for (a, b, arg, spec) in mc:
            g += 1
            text = hit.group(g)
            if text == m[a:b]:
                continue
            if spec != "s" or text == "":   # a constant number, or an argument printed empty
                parts[arg] = text           # ("" is no msgid: the catalogue's header is)
                continue
            if text in cat and cat[text] and not convs(cat[text]):
                parts[arg] = cat[text].replace("%%", "%").replace("%", "%%")
            elif depth == 0 and (inner := composite_translation(text, cat, 1)) and not convs(inner):
                parts[arg] = inner
            elif len(text.split()) <= 3 and convs(text) in ([], [(len(text) - 2, len(text), 0, "s")]):
                parts[arg] = text
            else:
                parts = None
                break
        if parts:
            best = (literal_len(m), fill(s, mc, parts))
    return best[1] if best else None

def fill(s, mc, parts):
    """The translation s with the arguments in parts replaced by their text; the others
    renumbered (positional) in the order the composed template prints them."""
    number, n = {}, 0
    for (_, _, arg, _) in mc:
        if arg in parts:
            n += len(convs(parts[arg]))
        else:
            number[arg] = n
            n += 1
    out, at = "", 0
    for (a, b, arg, spec) in convs(s):
        out += s[at:a]
        if arg in parts:
            text = parts[arg]
            if convs(text):     # a kept name with its own trailing %s
                inner = sum(len(convs(parts[x])) for x in parts if x < arg) + sum(1 for x in number if x < arg)
                text = text[:-2] + f"%{inner + 1}$s"
            out += text
        else:
            out += f"%{number[arg] + 1}${spec}"
        at = b
    return out + s[at:]

def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")

def read_mo(path):
    """(msgid, msgstr) pairs of a .mo file; a plural entry gives each form for both its
    singular and its plural msgid (a template may be written either way)."""
    data = open(path, "rb").read()
    order = "<" if struct.unpack("<I", data[:4])[0] == 0x950412DE else ">"
    n, orig, trans = struct.unpack(order + "3I", data[8:20])
    pairs = []
    for i in range(n):
        ol, oo = struct.unpack(order + "2I", data[orig + 8 * i:orig + 8 * i + 8])
        tl, to = struct.unpack(order + "2I", data[trans + 8 * i:trans + 8 * i + 8])
        ids = data[oo:oo + ol].decode("utf-8").split("\0")
        forms = data[to:to + tl].decode("utf-8").split("\0")
        pairs += [(msgid, form) for msgid in ids for form in forms]
    return pairs

def catalogues(lang):
    """Every PostgreSQL 15 catalogue of the language, the server's first."""
    d = os.path.join(localedir, lang, "LC_MESSAGES")
    files = sorted(glob.glob(os.path.join(d, "*-15.mo")))
    files.sort(key=lambda f: not f.endswith("/postgres-15.mo"))
    for f in files:
        yield os.path.basename(f), read_mo(f)

total = 0
for lang in LANGS:
    rows, seen, sources = [], set(), []
    for name, cat in catalogues(lang):
        before = len(rows)
        for msgid, msgstr in cat:
            if not msgstr or msgid == "":
                continue
            if msgid in LABELS:
                kind = "label"
            elif msgid == POSITION:
                kind = "position"
            elif msgid in wanted:
                kind = "template"
            else:
                continue
            row = (kind, msgid, msgstr)
            if row not in seen and msgstr != msgid:
                seen.add(row)
                rows.append(row)
        if len(rows) > before:
            sources.append(name)
    # Templates that are no msgid: the start of a longer one, or composed of two.
    server = dict(reversed(next(catalogues(lang))[1]))
    translated = {r[1] for r in rows if r[0] == "template"}
    for t in sorted(wanted - translated):
        derived = prefix_translations(t, server) or [composite_translation(t, server)]
        for msgstr in filter(None, derived):
            rows.append(("template", t, msgstr))
    # Labels in LABELS order, most severe first: a word two levels share (ka's WARNING and
    # NOTICE) is read as the first.
    rows.sort(key=lambda r: (r[0], LABELS.index(r[1]) if r[0] == "label" else 0, r[1], r[2]))
    out = f"patterns/translations/{lang}.tsv"
    with open(out, "w", encoding="utf-8") as f:
        f.write(f"# PostgreSQL's {lang} message catalogues ({', '.join(sources)}) from {versions}.\n")
        f.write("# Generated by scripts/gen-translations.sh: do not edit. kind<TAB>msgid<TAB>msgstr\n")
        for kind, msgid, msgstr in rows:
            f.write(f"{kind}\t{esc(msgid)}\t{esc(msgstr)}\n")
    n = len({r[1] for r in rows if r[0] == "template"})
    total += os.path.getsize(out)
    print(f"{out}: {n} of {len(wanted)} templates translated, {os.path.getsize(out)} bytes", file=sys.stderr)
print(f"total {total} bytes", file=sys.stderr)
PY
