# The file tools (read, write, edit, glob, grep), run INSIDE the session's sandbox as
# `python3 -I -c <this>` with one JSON request on stdin. It prints MARKER + one JSON line
# {"ok": bool, "text": str} as the last thing on stdout. Every path is resolved with
# os.path.realpath in the sandbox's mount namespace and refused unless it is /workspace or below.
import json, os, re, stat, subprocess, sys

ROOT = "/workspace"
MARKER = "@@agentry-fs-reply@@"
MAX_READ = 256 * 1024
MAX_GLOB = 200
MAX_GREP = 100 * 1024
MAX_WALK = 200000


class Refused(Exception):
    pass


def reply(ok, text):
    sys.stdout.write("\n" + MARKER + json.dumps({"ok": ok, "text": text}, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def fit(text, budget, note):
    """Cuts text (at a line end when possible) so that its JSON form fits in budget bytes."""
    size = lambda s: len(json.dumps(s, ensure_ascii=False).encode("utf-8"))
    if size(text) <= budget:
        return text
    budget -= size(note) + 8
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if size(text[:mid]) <= budget:
            lo = mid
        else:
            hi = mid - 1
    cut = text[:lo]
    nl = cut.rfind("\n")
    if nl > 0:
        cut = cut[: nl + 1]
    return cut + note


def inside(real):
    return real == ROOT or real.startswith(ROOT + "/")


def resolve(path, field):
    if not isinstance(path, str) or path == "":
        raise Refused(field + " must be a non-empty string")
    if "\x00" in path:
        raise Refused(field + " must not contain NUL bytes")
    joined = path if path.startswith("/") else os.path.join(ROOT, path)
    real = os.path.realpath(joined)
    if not inside(real):
        raise Refused("%s %r is outside the workspace: only /workspace and paths below it are allowed "
                      "(symlinks are resolved before the check)" % (field, path))
    return real


def shown(real):
    return real


def do_read(req, budget):
    real = resolve(req["file_path"], "file_path")
    if not os.path.lexists(real):
        raise Refused("file_path %r does not exist" % req["file_path"])
    if os.path.isdir(real):
        raise Refused("file_path %r is a directory; use glob or bash `ls` to list it" % req["file_path"])
    if not os.path.isfile(real):
        raise Refused("file_path %r is not a regular file" % req["file_path"])
    view = req.get("view_range")
    size = os.stat(real).st_size
    if view is None and size > MAX_READ:
        raise Refused("%s is %d bytes, over the %d-byte read limit; pass view_range [start, end] to "
                      "read part of it" % (shown(real), size, MAX_READ))
    start, end = (view[0], view[1]) if view else (1, -1)
    fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW)
    out, n, taken = [], 0, 0
    with os.fdopen(fd, "rb") as f:
        for raw in f:
            n += 1
            if n < start:
                continue
            if end != -1 and n > end:
                break
            if b"\x00" in raw:
                raise Refused("%s looks binary (it contains NUL bytes); read shows text files only" % shown(real))
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise Refused("%s is not valid UTF-8 text (binary?); read shows text files only" % shown(real))
            line = line.rstrip("\n").rstrip("\r")
            out.append("%6d\t%s\n" % (n, line))
            taken += len(line) + 8
            if taken > MAX_READ:
                out.append("[stopped after %d bytes; pass view_range [%d, -1] to read on]\n" % (MAX_READ, n + 1))
                break
    if n == 0 and start == 1:
        return "(empty file)"
    if start > n:
        raise Refused("view_range start %d is past the end of the file (%d lines)" % (start, n))
    text = "".join(out)
    cut = fit(text, budget, "")
    if cut == text:
        return text
    last = int(cut.rstrip("\n").rsplit("\n", 1)[-1].split("\t", 1)[0] or 0)
    return cut + "[output truncated at the output limit after line %d; pass view_range [%d, -1] to read on]\n" % (
        last, last + 1)


def open_for_write(real):
    # The realpath is already inside; O_NOFOLLOW refuses a symlink swapped in since the check.
    return os.open(real, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)


def do_write(req, budget):
    real = resolve(req["file_path"], "file_path")
    if os.path.isdir(real):
        raise Refused("file_path %r is a directory" % req["file_path"])
    parent = os.path.dirname(real)
    os.makedirs(parent, exist_ok=True)
    if not inside(os.path.realpath(parent)):
        raise Refused("file_path %r is outside the workspace" % req["file_path"])
    data = req["content"].encode("utf-8")
    with os.fdopen(open_for_write(real), "wb") as f:
        f.write(data)
    return "Wrote %d bytes to %s" % (len(data), shown(real))


def do_edit(req, budget):
    real = resolve(req["file_path"], "file_path")
    if not os.path.lexists(real):
        raise Refused("file_path %r does not exist" % req["file_path"])
    if not os.path.isfile(real):
        raise Refused("file_path %r is not a regular file" % req["file_path"])
    old, new = req["old_string"], req["new_string"]
    if old == "":
        raise Refused("old_string must not be empty")
    if old == new:
        raise Refused("old_string and new_string are identical; nothing to change")
    with os.fdopen(os.open(real, os.O_RDONLY | os.O_NOFOLLOW), "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("%s is not valid UTF-8 text; edit changes text files only" % shown(real))
    count = text.count(old)
    if count == 0:
        raise Refused("old_string was not found in %s; nothing was changed" % shown(real))
    if count > 1 and not req.get("replace_all", False):
        raise Refused("old_string occurs %d times in %s; add more context to make it unique, or pass "
                      "replace_all: true; nothing was changed" % (count, shown(real)))
    text = text.replace(old, new) if count > 1 else text.replace(old, new, 1)
    with os.fdopen(open_for_write(real), "wb") as f:
        f.write(text.encode("utf-8"))
    return "Made %d replacement%s in %s" % (count, "" if count == 1 else "s", shown(real))


def glob_regex(pattern):
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pattern.find("]", i + 2)
            if j < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:j]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = j
        elif c == "{":
            j = pattern.find("}", i)
            if j < 0:
                out.append(re.escape(c))
            else:
                out.append("(?:" + "|".join(re.escape(a) for a in pattern[i + 1:j].split(",")) + ")")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def do_glob(req, budget):
    pattern = req["pattern"]
    base = resolve(req.get("path") or ROOT, "path")
    if pattern.startswith("/"):
        if not req.get("path") and (pattern.startswith(ROOT + "/")):
            pattern = pattern[len(ROOT) + 1:]
        else:
            raise Refused("pattern %r is outside the workspace: use a pattern relative to path" % pattern)
    if ".." in pattern.split("/"):
        raise Refused("pattern must not contain '..' segments")
    if not os.path.isdir(base):
        raise Refused("path %r is not a directory" % req.get("path"))
    rx = glob_regex(pattern)
    found, walked = [], 0
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        for name in filenames + links:
            walked += 1
            full = os.path.join(dirpath, name)
            if rx.fullmatch(os.path.relpath(full, base)):
                try:
                    found.append((os.lstat(full).st_mtime, full))
                except OSError:
                    pass
        if walked > MAX_WALK:
            break
    if not found:
        return "No files matched %r under %s" % (req["pattern"], shown(base))
    found.sort(key=lambda t: (-t[0], t[1]))
    lines = [p for _, p in found[:MAX_GLOB]]
    text = "\n".join(lines)
    if len(found) > MAX_GLOB:
        text += "\n[%d files matched; showing the %d newest. Narrow the pattern or path to see others]" % (
            len(found), MAX_GLOB)
    if walked > MAX_WALK:
        text += "\n[stopped after looking at %d files]" % MAX_WALK
    return fit(text, budget, "\n[output truncated]")


def do_grep(req, budget):
    pattern = req["pattern"]
    target = resolve(req.get("path") or ROOT, "path")
    if not os.path.lexists(target):
        raise Refused("path %r does not exist" % req.get("path"))
    cap = min(MAX_GREP, budget - 512)
    note = "\n[output truncated at %d bytes; narrow the pattern or path]" % cap
    rel = os.path.relpath(target, ROOT)
    rg = "/usr/bin/rg" if os.path.exists("/usr/bin/rg") else None
    if rg:
        argv = [rg, "--no-config", "--no-heading", "--with-filename", "--line-number", "--color", "never", "-e", pattern]
        argv += ["--", rel] if rel != "." else []
        p = subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        data = p.stdout.read(cap + 1)
        if len(data) > cap:
            p.kill()
        p.stdout.close()
        err = p.stderr.read(4096).decode("utf-8", "replace")
        code = p.wait()
        if len(data) <= cap and code == 1:
            return "No matches for %r" % pattern
        if len(data) <= cap and code not in (0, 1):
            raise Refused("grep failed: " + (err.strip() or "ripgrep exited with %d" % code))
        text = data[:cap].decode("utf-8", "replace")
        if len(data) > cap:
            text = text[: text.rfind("\n") + 1] + note
        return fit(text, budget, note)
    return grep_fallback(pattern, target, cap, note, budget)


def grep_fallback(pattern, target, cap, note, budget):
    try:
        rx = re.compile(pattern)
    except re.error as e:
        raise Refused("grep failed: invalid regex: %s" % e)
    files = [target] if os.path.isfile(target) else []
    if not files:
        for dirpath, dirnames, filenames in os.walk(target, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if d != ".git")
            files += [os.path.join(dirpath, f) for f in sorted(filenames)]
    out, size = [], 0
    for path in files:
        if os.path.islink(path) or not inside(os.path.realpath(path)):
            continue
        try:
            with open(path, "rb") as f:
                raw = f.read(MAX_READ * 64)
            if b"\x00" in raw[:8192]:
                continue
            for n, line in enumerate(raw.decode("utf-8", "replace").splitlines(), 1):
                if rx.search(line):
                    s = "%s:%d:%s" % (os.path.relpath(path, ROOT), n, line)
                    out.append(s)
                    size += len(s) + 1
                    if size > cap:
                        return fit("\n".join(out), budget, note)
        except OSError:
            continue
    head = "[ripgrep is not installed in this sandbox; used a Python fallback (Python regex syntax, .gitignore not honoured)]\n"
    return head + ("\n".join(out) if out else "No matches for %r" % pattern)


TOOLS = {"read": do_read, "write": do_write, "edit": do_edit, "glob": do_glob, "grep": do_grep}


def main():
    try:
        req = json.loads(sys.stdin.buffer.read().decode("utf-8"))
        budget = int(req.get("max_output", 100 * 1024)) - 256
        reply(True, TOOLS[req["tool"]](req, budget))
    except Refused as e:
        reply(False, str(e))
    except PermissionError as e:
        reply(False, "permission denied: %s" % (e.strerror or e))
    except OSError as e:
        reply(False, "%s failed: %s" % (req.get("tool", "tool"), e.strerror or e))


main()
