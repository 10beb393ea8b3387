"""The shape of the package, as issue 19 measures it: long functions, `dict[str, Any]`,
import cycles, and whether importing the hub loads the node.

    .venv/bin/python benchmarks/code_shape.py [--json]

Module-level imports only (not those under ``if TYPE_CHECKING`` or inside functions),
so a cycle here is one that Python runs into when it imports the package.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"


def modules() -> dict[str, Path]:
    found = {}
    for path in SRC.rglob("*.py"):
        name = ".".join(path.relative_to(SRC).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def functions(paths: list[Path]) -> list[tuple[int, str]]:
    lengths = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                lengths.append((length, f"{path.relative_to(SRC)}:{node.lineno} {node.name}"))
    return sorted(lengths, reverse=True)


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for n in ast.walk(node) if isinstance(node, ast.Try | ast.If) else [node]:
            if isinstance(n, ast.Import):
                found.update(a.name for a in n.names)
            elif isinstance(n, ast.ImportFrom):
                base = n.module or ""
                if n.level:
                    parts = package.split(".")[: len(package.split(".")) - n.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                found.add(base)
                found.update(f"{base}.{a.name}" for a in n.names)
    return (found & known) - {name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while (w := stack.pop()) != v:
                component.append(w)
            component.append(v)
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in graph:
        if v not in index:
            visit(v)
    return found


def hub_loads() -> list[str]:
    code = (
        "import sys, statelink.hub; "
        "print(' '.join(m for m in ('statelink.node', 'cedarpy', 'aiohttp') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    mods = modules()
    graph = {name: imports(name, path, set(mods)) for name, path in mods.items()}
    lengths = functions(list(mods.values()))
    text = "".join(p.read_text() for p in mods.values())
    result = {
        "functions_over_50_lines": sum(n > 50 for n, _ in lengths),
        "functions_of_60_lines_or_more": sum(n >= 60 for n, _ in lengths),
        "longest": [f"{n} {where}" for n, where in lengths[:15]],
        "dict_str_any": len(re.findall(r"dict\[str, Any\]", text)),
        "import_cycles": cycles(graph),
        "importing_statelink_hub_loads": hub_loads(),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        if isinstance(value, list) and value and key == "longest":
            print(f"{key}:")
            for line in value:
                print(f"  {line}")
        else:
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
