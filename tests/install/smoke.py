"""An installed Python package at work (`make test-install`).

Usage: python smoke.py <prefix> [--no-rust]. Checks that `open_connectors` is loaded
from <prefix> (the fresh virtualenv it went into, not the source tree) and, with
--no-rust, that neither cargo nor rustc is on PATH; then creates an instance against
the sandbox, finds it by tag, reads it back and deletes it.
"""

from __future__ import annotations

import pathlib
import shutil
import sys

import open_connectors as oc


def main() -> None:
    prefix = pathlib.Path(sys.argv[1]).resolve()
    loaded = pathlib.Path(oc.__file__).resolve()
    assert prefix in loaded.parents, f"open_connectors loaded from {loaded}, not from {prefix}"
    for tool in ("cargo", "rustc") if "--no-rust" in sys.argv else ():
        assert shutil.which(tool) is None, f"{tool} is on PATH: {shutil.which(tool)}"
    with oc.Client(timeout=30.0) as client:
        inst = client.create_instance(
            "insightly",
            name="installed wheel",
            tags=["install-py"],
            configuration={"username": "claudeelements", "password": "password"},
        )
        assert inst.token and inst.token not in repr(inst), "the token is missing or shown"
        found = [i.id for i in client.list_instances(tags=["install-py"])]
        assert found == [inst.id], found
        assert client.get_instance(inst.id).name == "installed wheel"
        client.delete_instance(inst.id)
        try:
            client.get_instance(inst.id)
        except oc.NotFoundError:
            pass
        else:
            raise AssertionError("the instance is still there after delete")
    print(f"python: created, listed, read and deleted instance {inst.id} ({loaded.parent})")


if __name__ == "__main__":
    main()
