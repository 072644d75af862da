"""The type stubs (``_native.pyi``) and the native module agree, name for name and
parameter for parameter; the package's ``__all__`` is exactly its public surface."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Any, Dict, List, Set, Tuple

import pytest

import open_connectors as oc
from open_connectors import _exceptions, _native

PACKAGE = Path(oc.__file__).parent
STUB = PACKAGE / "_native.pyi"
#: Dunder methods a class may define that the stubs must then declare (and vice versa).
DUNDERS = {"__new__", "__enter__", "__exit__", "__aenter__", "__aexit__"}


def public(name: str) -> bool:
    return not name.startswith("_")


def stub_tree() -> ast.Module:
    return ast.parse(STUB.read_text(), filename=str(STUB))


def stub_module_names(tree: ast.Module) -> Set[str]:
    names: Set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def stub_classes(tree: ast.Module) -> Dict[str, Dict[str, ast.FunctionDef]]:
    out: Dict[str, Dict[str, ast.FunctionDef]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            out[node.name] = {
                item.name: item for item in node.body if isinstance(item, ast.FunctionDef)
            }
    return out


def constructible(cls: type) -> bool:
    try:
        cls()
    except TypeError as e:
        return "cannot create" not in str(e)
    except Exception:  # noqa: BLE001 - e.g. InvalidInputError: it has a constructor
        return True
    return True


def test_module_level_names_agree() -> None:
    in_stub = {n for n in stub_module_names(stub_tree()) if public(n)} | {"__version__"}
    in_module = {n for n in dir(_native) if public(n)} | {"__version__"}
    assert in_stub == in_module


@pytest.mark.parametrize("cls_name", sorted(stub_classes(stub_tree())))
def test_class_members_agree(cls_name: str) -> None:
    stub_members = stub_classes(stub_tree())[cls_name]
    cls = getattr(_native, cls_name)
    runtime = {n for n in vars(cls) if public(n) or n in DUNDERS}
    if not constructible(cls):
        runtime.discard("__new__")  # no #[new]: pyo3's __new__ only raises TypeError
    declared = {n for n in stub_members if public(n) or n in DUNDERS}
    assert declared == runtime, f"stub-only: {declared - runtime}, module-only: {runtime - declared}"


def stub_params(fn: ast.FunctionDef) -> List[Tuple[str, str]]:
    a = fn.args
    params = [(p.arg, "POSITIONAL_ONLY") for p in a.posonlyargs]
    params += [(p.arg, "POSITIONAL_OR_KEYWORD") for p in a.args]
    if a.vararg:
        params.append((a.vararg.arg, "VAR_POSITIONAL"))
    params += [(p.arg, "KEYWORD_ONLY") for p in a.kwonlyargs]
    if a.kwarg:
        params.append((a.kwarg.arg, "VAR_KEYWORD"))
    return params[1:]  # drop self / cls


@pytest.mark.parametrize(
    "cls_name,method",
    sorted(
        (c, m)
        for c, members in stub_classes(stub_tree()).items()
        for m, fn in members.items()
        if not any(isinstance(d, ast.Name) and d.id == "property" for d in fn.decorator_list)
    ),
)
def test_signatures_agree(cls_name: str, method: str) -> None:
    fn = stub_classes(stub_tree())[cls_name][method]
    cls = getattr(_native, cls_name)
    try:
        if method == "__new__":
            sig = inspect.signature(cls)
            got = [(p.name, p.kind.name) for p in sig.parameters.values()]
        else:
            sig = inspect.signature(getattr(cls, method))
            got = [(p.name, p.kind.name) for p in list(sig.parameters.values())[1:]]
    except ValueError:
        # abi3 on CPython 3.9 exposes no class text signature; 3.10+ does.
        pytest.skip(f"no runtime signature for {cls_name}.{method} on this Python")
    assert stub_params(fn) == got


def test_properties_are_properties() -> None:
    for cls_name, members in stub_classes(stub_tree()).items():
        cls = getattr(_native, cls_name)
        for name, fn in members.items():
            is_prop = any(isinstance(d, ast.Name) and d.id == "property" for d in fn.decorator_list)
            runtime_is_descriptor = inspect.isdatadescriptor(vars(cls).get(name))
            assert is_prop == runtime_is_descriptor, f"{cls_name}.{name}"


def test_package_all_is_the_public_surface() -> None:
    exported = set(oc.__all__)
    assert len(exported) == len(oc.__all__)
    for name in exported:
        assert hasattr(oc, name), name
    public_names = {
        n for n, v in vars(oc).items() if public(n) and not inspect.ismodule(v)
    } | {"__version__"}
    assert public_names == exported
    assert set(_exceptions.__all__) <= exported
    # The native module is generic and private: none of its names is public API.
    assert not ({n for n in dir(_native) if public(n)} & exported)
    assert oc.__version__ == _native.__version__


@pytest.mark.parametrize("name", sorted(oc.OPERATIONS))
def test_every_operation_is_a_method_of_both_clients(name: str) -> None:
    meta = oc.OPERATIONS[name]
    # An instance's operations are methods of the instance clients (``for_instance``),
    # and only of them; the others of the clients.
    sync_cls: Any = oc.InstanceClient if meta["scope"] == "instance" else oc.Client
    async_cls: Any = oc.AsyncInstanceClient if meta["scope"] == "instance" else oc.AsyncClient
    other: Any = oc.Client if meta["scope"] == "instance" else oc.InstanceClient
    assert not hasattr(other, name) or name in ("base_url",), f"{name} on {other.__name__}"
    for cls in (sync_cls, async_cls):
        fn = getattr(cls, name)
        params = list(inspect.signature(fn).parameters.values())[1:]
        positional = [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
        keyword = [p.name for p in params if p.kind is p.KEYWORD_ONLY]
        assert positional == meta["positional"]
        assert keyword == meta["keyword"] + ["timeout", "max_retries", "extra_headers"]
        assert fn.__doc__ and fn.__doc__.strip()
    if meta["kind"] == "pager":
        # A listing returns its pager at once, in both clients (``for`` / ``async for``).
        assert not inspect.iscoroutinefunction(getattr(async_cls, name))
        assert "AsyncPager[" in str(inspect.signature(getattr(async_cls, name)).return_annotation)
        assert "SyncPager[" in str(inspect.signature(getattr(sync_cls, name)).return_annotation)
    else:
        # Every other async method is a coroutine function: usable with create_task.
        assert inspect.iscoroutinefunction(getattr(async_cls, name))
    assert not inspect.iscoroutinefunction(getattr(sync_cls, name))


def test_generated_files_say_so() -> None:
    for name in ("_client.py", "_models.py", "_exceptions.py", "__init__.py"):
        first = (PACKAGE / name).read_text().splitlines()[0]
        assert first.startswith("# Generated by `make gen`"), name


def test_py_typed_is_shipped() -> None:
    assert (PACKAGE / "py.typed").is_file()
    assert STUB.is_file()


def test_mypy_stubtest_agrees() -> None:
    """mypy's own stubs-vs-runtime checker, on the whole package."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "open_connectors", "--mypy-config-file", str(root / "pyproject.toml")],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
