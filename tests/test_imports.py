"""The import graph: the contracts in pyproject.toml hold, and no module imports itself in a circle."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:]


def test_no_import_circles() -> None:
    graph = grimp.build_graph("agent", "probes", "reports", exclude_type_checking_imports=True, cache_dir=None)
    imports = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(imports.get(module, ())):
            if state.get(target) == 1:
                circles.append([*path[path.index(target):], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(imports):
        if module not in state:
            visit(module, [module])
    # a package's __init__ importing its own submodules is not a circle of code
    real = [c for c in circles if not any(b.startswith(a + ".") for a, b in zip(c, c[1:], strict=False))]
    assert not real, "\n".join(" -> ".join(c) for c in real)
