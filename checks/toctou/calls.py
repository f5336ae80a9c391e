"""Which calls check a path and which use it: the name tables and the `Call` record for one call site.

Names come from research/detection.md §4.2. A call is classified from its syntax only: the
qualifier (`fs::`, `File::`, `libc::`) tells `fs::write` from `io::Write::write`, and a method
call counts as a check only with no arguments (`Path::exists`, never `HashMap::exists(k)`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from checks.toctou.text import text_of

CHECK = "check"
USE = "use"

# Use operations (Call.op).
CREATE = "create"          # creates or truncates a file by path, following symlinks
CREATE_DIR = "create_dir"
CREATE_DIR_ALL = "create_dir_all"
CHMOD = "chmod"
CHOWN = "chown"
LCHOWN = "lchown"
REMOVE = "remove"
REMOVE_TREE = "remove_tree"  # a same-file recursive delete that walks the path by name (CVE-2022-21658)
RENAME = "rename"
COPY = "copy"
LINK = "link"
MKFIFO = "mkfifo"
OPEN = "open"              # opens without creating or truncating (read, or write in place)
EXCLUSIVE = "exclusive"    # create_new / O_EXCL: atomic create, fails on anything planted
CONFIGURED = "configured"  # a repo-configured use name

FS = frozenset({"fs", "fs_err"})
UNIX = frozenset({"unistd", "libc", "stat", "fs"})


@dataclass(frozen=True)
class Spec:
    role: str
    op: str
    qualifiers: frozenset[str]
    bare: bool = False
    arg: int = 0
    symlink_aware: bool = False


# Function-form calls: `fs::create_dir(p)`, `File::create(p)`, `create_dir(p)` after a `use`.
FUNCTIONS: dict[str, Spec] = {
    "metadata": Spec(CHECK, "", FS),
    "try_exists": Spec(CHECK, "", FS),
    "exists": Spec(CHECK, "", frozenset({"Path"})),
    "symlink_metadata": Spec(CHECK, "", FS, bare=True, symlink_aware=True),
    "access": Spec(CHECK, "", frozenset({"unistd", "libc"})),
    "stat": Spec(CHECK, "", frozenset({"stat", "libc"})),
    "lstat": Spec(CHECK, "", frozenset({"stat", "libc"}), symlink_aware=True),
    "create": Spec(USE, CREATE, frozenset({"File"})),
    "create_new": Spec(USE, EXCLUSIVE, frozenset({"File"})),
    "open": Spec(USE, OPEN, frozenset({"File"})),
    "read": Spec(USE, OPEN, FS),
    "read_to_string": Spec(USE, OPEN, FS),
    "write": Spec(USE, CREATE, FS),
    "create_dir": Spec(USE, CREATE_DIR, FS, bare=True),
    "create_dir_all": Spec(USE, CREATE_DIR_ALL, FS, bare=True),
    "set_permissions": Spec(USE, CHMOD, FS, bare=True),
    "chmod": Spec(USE, CHMOD, frozenset({"libc", "fs"})),
    "chown": Spec(USE, CHOWN, UNIX, bare=True),
    "lchown": Spec(USE, LCHOWN, UNIX, bare=True),
    "remove_file": Spec(USE, REMOVE, FS, bare=True),
    "remove_dir": Spec(USE, REMOVE, FS, bare=True),
    "remove_dir_all": Spec(USE, REMOVE, FS, bare=True),
    "unlink": Spec(USE, REMOVE, frozenset({"libc", "unistd"})),
    "rename": Spec(USE, RENAME, FS, arg=1),
    "copy": Spec(USE, COPY, FS, arg=1),
    "hard_link": Spec(USE, LINK, FS, bare=True, arg=1),
    "symlink": Spec(USE, LINK, FS, bare=True, arg=1),
    "mkfifo": Spec(USE, MKFIFO, UNIX, bare=True),
    "mknod": Spec(USE, MKFIFO, UNIX, bare=True),
}

# Method-form checks, only with no arguments: `p.exists()`, `entry.file_type()`, `meta.is_dir()`.
CHECK_METHODS: dict[str, bool] = {
    "exists": False, "try_exists": False, "is_file": False, "is_dir": False, "metadata": False,
    "is_symlink": True, "symlink_metadata": True, "file_type": False,
}

# Builder methods that end an `OpenOptions` / `DirBuilder` chain.
BUILDER_ENDS = frozenset({"open", "create"})

QUERY_NAMES = sorted(set(FUNCTIONS) | set(CHECK_METHODS) | BUILDER_ENDS)


@dataclass
class Call:
    """One classified call site inside a function."""

    node: Node
    role: str
    op: str
    path: Node | None
    """The path expression the call checks or acts on."""
    label: str
    """Short name for messages: `fs::create_dir`, `.exists()`."""
    symlink_aware: bool = False
    default_mode: bool = False
    """A create that leaves the mode to the umask (no `.mode(..)`)."""
    follows_symlinks: bool = True
    source: Node | None = None
    """`fs::copy`'s source, which is opened for reading."""
    mode: Node | None = None
    """The mode argument of a chmod."""
    extra: dict[str, str] = field(default_factory=dict)


def call_parts(call: Node) -> tuple[str, str | None, Node | None, list[Node]]:
    """(name, qualifier, receiver, args) of a call: qualifier for `a::b(..)`, receiver for `x.b(..)`."""
    fn = call.child_by_field_name("function")
    args_node = call.child_by_field_name("arguments")
    args = [a for a in args_node.named_children if a.type not in ("line_comment", "block_comment")] \
        if args_node is not None else []
    if fn is None:
        return "", None, None, args
    if fn.type == "identifier":
        return text_of(fn), None, None, args
    if fn.type == "scoped_identifier":
        name = fn.child_by_field_name("name")
        path = fn.child_by_field_name("path")
        qual = path
        if qual is not None and qual.type == "scoped_identifier":
            qual = qual.child_by_field_name("name")
        return text_of(name), (text_of(qual) if qual is not None else ""), None, args
    if fn.type == "field_expression":
        return text_of(fn.child_by_field_name("field")), None, fn.child_by_field_name("value"), args
    return "", None, None, args


def classify_function(call: Node, name: str, qual: str | None, args: list[Node]) -> Call | None:
    spec = FUNCTIONS.get(name)
    if spec is None or len(args) <= spec.arg:
        return None
    if qual is None and not spec.bare:
        return None
    if qual is not None and qual not in spec.qualifiers:
        return None
    label = f"{qual}::{name}" if qual else name
    out = Call(call, spec.role, spec.op, args[spec.arg], label, symlink_aware=spec.symlink_aware)
    if spec.op in (CREATE, CREATE_DIR, CREATE_DIR_ALL, EXCLUSIVE, MKFIFO, COPY):
        out.default_mode = True
    if spec.op == CHMOD and len(args) > 1:
        out.mode = args[1]
    if spec.op == COPY:
        out.source = args[0]
    if spec.op in (REMOVE, LINK, LCHOWN, EXCLUSIVE, CREATE_DIR, MKFIFO):
        out.follows_symlinks = False
    return out


def classify_check_method(call: Node, name: str, receiver: Node | None, args: list[Node]) -> Call | None:
    if name not in CHECK_METHODS or args or receiver is None:
        return None
    return Call(call, CHECK, "", receiver, f".{name}()", symlink_aware=CHECK_METHODS[name])
