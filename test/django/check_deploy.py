#!/usr/bin/python3
"""Run Django's real deployment checks against a project's settings module.

Usage (Debian's python3-django, i.e. /usr/bin/python3, not pyenv's python3):

    /usr/bin/python3 test/django/check_deploy.py --root PROJECT_DIR \
        --settings dotted.settings.module [--env-file PATH ...] [--include-silenced]

Prints one JSON object on stdout:

    {"ids": ["security.W004", ...], "messages": {"security.W004": "...", ...}}

`ids` are the sorted, unique ids of every message that Django's system checks
(`manage.py check --deploy`: all registered checks plus the deployment ones)
report.  Messages silenced through SILENCED_SYSTEM_CHECKS are left out, as
`manage.py check` does, unless --include-silenced is given.  When a check
function raised instead of returning messages, an extra key `check_errors`
lists them (the other checks still ran).

If the settings module cannot be imported (or depends on a stub, see below),
it prints {"error": "..."} and exits with status 2.

What the harness does, and does not do:
  * PROJECT_DIR goes first on sys.path and becomes the working directory (as
    when `manage.py` runs from the project root).
  * Each --env-file is read as KEY=VALUE lines (optional `export `, quotes,
    `#` comments) into os.environ before the settings are imported.  Nothing in
    it is executed or expanded, and a variable already set (in the real
    environment, or by an earlier --env-file) is never overwritten.
  * DJANGO_SETTINGS_MODULE is set to --settings.  No setting is set or changed.
  * Network access is disabled (socket connect/getaddrinfo raise), the checks
    run without database access (as `check` does without --database), and
    LOGGING is not configured (it may open files or syslog sockets); apart from
    that the steps are those of django.setup().
  * Entries of INSTALLED_APPS and MIDDLEWARE whose modules cannot be imported
    are replaced by stub modules (an import hook that serves only those module
    names, and only after a real import of them failed): an empty package for an
    app, an AppConfig subclass for an app-config path, a pass-through class for
    a middleware.  A module that the settings file itself imports is stubbed only
    when its top-level name also appears in an INSTALLED_APPS/MIDDLEWARE list of
    the settings sources; such a stub refuses to be turned into a bool, str or
    number, and any setting whose value holds a stub object is an error, so a
    stub can never change a setting's value.
"""

import argparse
import ast
import atexit
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import traceback
import types

# --------------------------------------------------------------------------
# Output helpers: the settings or apps may print; keep stdout for our JSON.

_REAL_STDOUT = sys.stdout


def _emit(obj, code=0):
    _REAL_STDOUT.write(json.dumps(obj, sort_keys=True) + "\n")
    _REAL_STDOUT.flush()
    sys.exit(code)


def _fail(message):
    _emit({"error": message}, 2)


# --------------------------------------------------------------------------
# Env files

_KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")
_DQ_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}


def parse_env_text(text):
    """Parse dotenv-style text into an ordered list of (key, value).

    Rules (those of python-dotenv / docker compose for single-line values):
    blank lines and lines starting with '#' are skipped; an optional `export `
    prefix is dropped; the key is what precedes the first '=', stripped; a
    value in single quotes is taken literally, in double quotes with \\n, \\t,
    \\r, \\", \\\\ and \\$ escapes; text after the closing quote is ignored; an
    unquoted value ends at a '#' preceded by whitespace and is stripped.  No
    variable expansion, no command substitution.
    """
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export ") or line.startswith("export\t"):
            line = line[len("export"):].lstrip()
        if "=" not in line:
            continue
        key, _, rest = line.partition("=")
        key = key.strip()
        if not _KEY_RE.match(key):
            continue
        rest = rest.lstrip()
        if rest[:1] in ("'", '"'):
            quote = rest[0]
            value_chars = []
            i = 1
            closed = False
            while i < len(rest):
                ch = rest[i]
                if quote == '"' and ch == "\\" and i + 1 < len(rest):
                    nxt = rest[i + 1]
                    value_chars.append(_DQ_ESCAPES.get(nxt, "\\" + nxt))
                    i += 2
                    continue
                if ch == quote:
                    closed = True
                    break
                value_chars.append(ch)
                i += 1
            if closed:
                value = "".join(value_chars)
            else:  # unbalanced quote: keep the text as written
                value = rest.rstrip()
        else:
            value = re.split(r"\s#", rest, maxsplit=1)[0].strip()
        out.append((key, value))
    return out


def load_env_files(paths):
    for path in paths:
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except OSError as exc:
            _fail("cannot read env file %s: %s" % (path, exc))
        for key, value in parse_env_text(text):
            os.environ.setdefault(key, value)


# --------------------------------------------------------------------------
# No network

def _no_network(*_args, **_kwargs):
    raise OSError("network access is disabled by test/django/check_deploy.py")


def disable_network():
    socket.socket.connect = _no_network
    socket.socket.connect_ex = _no_network
    socket.socket.sendto = _no_network
    socket.getaddrinfo = _no_network
    socket.create_connection = _no_network
    socket.gethostbyname = _no_network
    socket.gethostbyname_ex = _no_network


# --------------------------------------------------------------------------
# Stubs

class StubValueError(TypeError):
    pass


class Stub(object):
    """Stands for any attribute of a stubbed module.

    It can be called, have attributes read and be subclassed, but it refuses
    to become a bool, str or number: a setting can therefore not silently take
    a value from it.
    """

    def __init__(self, name):
        object.__setattr__(self, "_stub_name", name)

    def __repr__(self):
        return "<stub %s>" % object.__getattribute__(self, "_stub_name")

    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        return Stub("%s.%s" % (object.__getattribute__(self, "_stub_name"), attr))

    def __setattr__(self, attr, value):
        pass

    def __call__(self, *args, **kwargs):
        return Stub("%s()" % object.__getattribute__(self, "_stub_name"))

    def __mro_entries__(self, bases):
        return (object,)

    def _refuse(self, *args, **kwargs):
        raise StubValueError(
            "value taken from stubbed module object %r" % self)

    __bool__ = __str__ = __format__ = __int__ = __float__ = __index__ = _refuse
    __iter__ = __len__ = __contains__ = __getitem__ = _refuse


# Submodules and attributes that Django probes for on app modules: a stub
# answers "absent" for them.
DJANGO_APP_PROBES = frozenset([
    "apps", "models", "admin", "management", "commands", "templatetags",
    "migrations", "checks", "signals", "urls", "tests", "locale",
])
DJANGO_ATTR_PROBES = frozenset(["default_app_config"])


class StubModule(types.ModuleType):
    """A stub module: dotted attributes come from `attrs`, else Stub objects
    (permissive modules) or AttributeError (app / middleware modules)."""

    def __init__(self, name, permissive, attrs):
        super().__init__(name)
        self.__dict__["_stub_permissive"] = permissive
        self.__dict__.update(attrs)

    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        if attr in DJANGO_ATTR_PROBES:
            raise AttributeError(attr)
        if self.__dict__.get("_stub_permissive"):
            return Stub("%s.%s" % (self.__name__, attr))
        raise AttributeError("stub module %s has no attribute %s" % (self.__name__, attr))


class StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves stub modules for an explicit set of names.

    `modules` maps a module name to a dict of attributes it must have;
    `permissive_roots` are top-level names (from the settings' own imports)
    under which every submodule is served.
    """

    def __init__(self, tmpdir):
        self.tmpdir = tmpdir
        self.modules = {}
        self.permissive_roots = set()
        self.served = set()

    def add_module(self, name, attrs=None):
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            self.modules.setdefault(".".join(parts[:i]), {})
        if attrs:
            self.modules[name].update(attrs)

    def _wants(self, fullname):
        if fullname in self.modules:
            return True
        parts = fullname.split(".")
        if parts[0] not in self.permissive_roots:
            return False
        # Submodules Django looks for in every app are not invented.
        return not any(p in DJANGO_APP_PROBES for p in parts[1:])

    def find_spec(self, fullname, path=None, target=None):
        if not self._wants(fullname):
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        name = spec.name
        permissive = name.split(".")[0] in self.permissive_roots
        module = StubModule(name, permissive, self.modules.get(name, {}))
        location = os.path.join(self.tmpdir, *name.split("."))
        module.__file__ = os.path.join(location, "__init__.py")
        module.__path__ = []
        self.served.add(name)
        return module

    def exec_module(self, module):
        pass


def _forget(prefix):
    for key in list(sys.modules):
        if key == prefix or key.startswith(prefix + "."):
            del sys.modules[key]


def _stub_app_config_class(cls_name, app_name, path):
    from django.apps import AppConfig
    return type(cls_name, (AppConfig,), {
        "name": app_name,
        "path": path,
        "__module__": app_name,
        "default_auto_field": "django.db.models.AutoField",
    })


class _StubMiddleware(object):
    def __init__(self, get_response=None):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)


def _stub_middleware_class(cls_name, module_name):
    return type(cls_name, (_StubMiddleware,), {"__module__": module_name})


def _first_missing(dotted):
    """Return the first prefix of `dotted` that no import finder can locate
    (None when every module on the path exists).  Only parent packages get
    imported on the way, never `dotted` itself, so apps that need the app
    registry are not imported early."""
    parts = dotted.split(".")
    for i in range(1, len(parts) + 1):
        prefix = ".".join(parts[:i])
        if prefix in sys.modules:
            continue
        try:
            spec = importlib.util.find_spec(prefix)
        except ModuleNotFoundError:
            return prefix
        except Exception:  # a parent package that fails to import
            return None
        if spec is None:
            return prefix
    return None


def stub_unimportable_entries(finder, installed_apps, middleware):
    """Register stubs for INSTALLED_APPS / MIDDLEWARE entries whose modules
    do not exist.  Returns the list of stubbed entries."""
    stubbed = []

    for entry in installed_apps:
        if not isinstance(entry, str):
            continue
        mod_path, _, last = entry.rpartition(".")
        is_class_path = bool(mod_path) and last[:1].isupper()
        target = mod_path if is_class_path else entry
        missing = _first_missing(target)
        if missing is None:
            continue
        _forget(missing)
        if is_class_path:
            app_name = mod_path[:-len(".apps")] if mod_path.endswith(".apps") else mod_path
            app_dir = os.path.join(finder.tmpdir, *app_name.split("."))
            if _first_missing(app_name) is not None or app_name.startswith(missing + "."):
                finder.add_module(app_name)
            finder.add_module(mod_path, {last: _stub_app_config_class(last, app_name, app_dir)})
        else:
            finder.add_module(entry)
        stubbed.append(entry)

    for entry in middleware:
        if not isinstance(entry, str) or "." not in entry:
            continue
        mod_path, _, cls_name = entry.rpartition(".")
        missing = _first_missing(mod_path)
        if missing is None:
            if mod_path in finder.modules:  # an app stub serving this module
                finder.modules[mod_path][cls_name] = _stub_middleware_class(cls_name, mod_path)
                stubbed.append(entry)
            continue
        _forget(missing)
        finder.add_module(mod_path, {cls_name: _stub_middleware_class(cls_name, mod_path)})
        stubbed.append(entry)

    importlib.invalidate_caches()
    return stubbed


# --------------------------------------------------------------------------
# Settings sources: names that INSTALLED_APPS / MIDDLEWARE lists mention

_LIST_NAME_RE = re.compile(r"(INSTALLED_APPS|MIDDLEWARE|_APPS\b|APPS_)", re.I)


def _settings_source_files(settings_module):
    files = []
    try:
        spec = importlib.util.find_spec(settings_module)
    except Exception:
        spec = None
    if spec is None or not spec.origin or not os.path.isfile(spec.origin):
        return files
    directory = os.path.dirname(spec.origin)
    for name in sorted(os.listdir(directory)):
        if name.endswith(".py"):
            files.append(os.path.join(directory, name))
    return files


def app_list_roots(settings_module):
    """Top-level module names appearing in string literals of lists or tuples
    assigned to (or extended onto) INSTALLED_APPS/MIDDLEWARE-like names in
    the settings package's sources."""
    roots = set()

    def collect(node):
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                value = sub.value.strip()
                if re.match(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z", value):
                    roots.add(value.split(".")[0])

    def target_names(targets):
        names = []
        for t in targets:
            if isinstance(t, ast.Name):
                names.append(t.id)
            elif isinstance(t, ast.Attribute):
                names.append(t.attr)
        return names

    for path in _settings_source_files(settings_module):
        try:
            with open(path, encoding="utf-8") as fh:
                tree = ast.parse(fh.read(), path)
        except (OSError, SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                if any(_LIST_NAME_RE.search(n) for n in target_names(node.targets)):
                    collect(node.value)
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                if node.value is not None and any(
                        _LIST_NAME_RE.search(n) for n in target_names([node.target])):
                    collect(node.value)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                owner_name = owner.id if isinstance(owner, ast.Name) else (
                    owner.attr if isinstance(owner, ast.Attribute) else "")
                if node.func.attr in ("append", "insert", "extend") and _LIST_NAME_RE.search(owner_name):
                    for arg in node.args:
                        collect(arg)
    return roots


def _holds_stub(value, depth=0):
    if isinstance(value, (Stub, StubModule)):
        return True
    if depth > 6:
        return False
    if isinstance(value, dict):
        return any(_holds_stub(k, depth + 1) or _holds_stub(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_holds_stub(v, depth + 1) for v in value)
    return False


def import_settings(finder, settings_module):
    """Import the settings, stubbing top-level modules the settings import
    only when those names are also listed as apps/middleware."""
    from django.conf import settings
    allowed = None
    for _attempt in range(20):
        try:
            settings._setup()
            settings.INSTALLED_APPS  # noqa: B018 - force evaluation
            return settings
        except ModuleNotFoundError as exc:
            missing = (exc.name or "").split(".")[0]
            if not missing or missing in finder.permissive_roots:
                _fail("settings import failed: %s: %s" % (type(exc).__name__, exc))
            if allowed is None:
                allowed = app_list_roots(settings_module)
            if missing not in allowed:
                _fail("settings import failed: %s: %s" % (type(exc).__name__, exc))
            finder.permissive_roots.add(missing)
            _forget(missing)
            _forget(settings_module)
            from django.utils.functional import empty
            settings._wrapped = empty
            importlib.invalidate_caches()
        except StubValueError as exc:
            _fail("settings take a value from a stubbed module (%s): %s"
                  % (", ".join(sorted(finder.permissive_roots)), exc))
        except BaseException as exc:  # noqa: BLE001 - report anything
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            _fail("settings import failed: %s" % detail)
    _fail("settings import failed: too many missing modules")


def check_no_stub_values(settings, finder):
    wrapped = settings._wrapped
    for name in dir(wrapped):
        if not name.isupper():
            continue
        try:
            value = getattr(wrapped, name)
        except Exception:
            continue
        if _holds_stub(value):
            _fail("setting %s holds a value from a stubbed module (%s)"
                  % (name, ", ".join(sorted(finder.permissive_roots))))


# --------------------------------------------------------------------------
# Checks

def run_all_checks(include_silenced):
    from django.core.checks.registry import registry
    messages = []
    check_errors = []
    for check in registry.get_checks(include_deployment_checks=True):
        try:
            new = check(app_configs=None, databases=None)
            messages.extend(list(new))
        except Exception as exc:  # noqa: BLE001
            name = "%s.%s" % (getattr(check, "__module__", "?"), getattr(check, "__name__", repr(check)))
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            check_errors.append("%s: %s" % (name, detail))
    if not include_silenced:
        messages = [m for m in messages if not m.is_silenced()]
    return messages, check_errors


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--settings", required=True)
    parser.add_argument("--env-file", action="append", default=[])
    parser.add_argument("--include-silenced", action="store_true")
    args = parser.parse_args(argv)

    root = os.path.abspath(args.root)
    if not os.path.isdir(root):
        _fail("project root is not a directory: %s" % root)
    env_files = [os.path.abspath(p) for p in args.env_file]

    # Everything the project prints goes to stderr; no __pycache__ is left in
    # the project (fixtures live in the repository).
    sys.stdout = sys.stderr
    sys.dont_write_bytecode = True

    disable_network()
    load_env_files(env_files)
    os.environ["DJANGO_SETTINGS_MODULE"] = args.settings
    os.chdir(root)
    sys.path.insert(0, root)

    tmpdir = tempfile.mkdtemp(prefix="check-deploy-stubs-")
    atexit.register(shutil.rmtree, tmpdir, True)
    finder = StubFinder(tmpdir)
    sys.meta_path.insert(0, finder)

    try:
        import django  # noqa: F401
    except ImportError as exc:
        _fail("django is not importable: %s" % exc)

    settings = import_settings(finder, args.settings)
    check_no_stub_values(settings, finder)

    try:
        installed_apps = list(settings.INSTALLED_APPS)
        middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    except StubValueError as exc:
        _fail("INSTALLED_APPS/MIDDLEWARE take a value from a stub: %s" % exc)

    stubbed = stub_unimportable_entries(finder, installed_apps, middleware)
    if finder.permissive_roots:
        sys.stderr.write("check_deploy: stubbed modules imported by the settings: %s\n"
                         % ", ".join(sorted(finder.permissive_roots)))
    if stubbed:
        sys.stderr.write("check_deploy: stubbed entries: %s\n" % ", ".join(stubbed))

    # django.setup() without configure_logging().
    try:
        from django.apps import apps
        from django.urls import set_script_prefix
        set_script_prefix(
            '/' if settings.FORCE_SCRIPT_NAME is None else settings.FORCE_SCRIPT_NAME)
        apps.populate(settings.INSTALLED_APPS)
    except BaseException as exc:  # noqa: BLE001
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        _fail("django setup failed: %s" % detail)

    messages, check_errors = run_all_checks(args.include_silenced)
    by_id = {}
    for m in messages:
        if not m.id:
            continue
        text = m.msg if m.hint is None else "%s HINT: %s" % (m.msg, m.hint)
        by_id.setdefault(m.id, [])
        if text not in by_id[m.id]:
            by_id[m.id].append(text)
    result = {
        "ids": sorted(by_id),
        "messages": {k: "\n".join(v) for k, v in sorted(by_id.items())},
    }
    if check_errors:
        result["check_errors"] = check_errors
    _emit(result, 0)


if __name__ == "__main__":
    main()
