"""Lazy package attributes (PEP 562): a public name is imported from its module on first use.

A package lists ``{name: "module:attribute"}``; `lazy_attributes` returns the module-level
``__getattr__`` and ``__dir__`` for it. A resolved name is stored in the package namespace, so the
lookup runs once. Names not listed fall back to the package's submodules (``pkg.sub`` works
without ``import pkg.sub`` first, as it did when the package imported everything eagerly).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def by_module(spec: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """``{"pkg.mod": ["a", "b"]}`` -> ``{"a": "pkg.mod:a", "b": "pkg.mod:b"}``: the names each
    module gives, written once."""
    return {name: f"{module}:{name}" for module, names in spec.items() for name in names}


def lazy_attributes(package: str, names: Mapping[str, str], namespace: dict[str, Any]
                    ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """(``__getattr__``, ``__dir__``) for `package`, whose globals are `namespace`."""

    def __getattr__(name: str) -> Any:
        target = names.get(name)
        if target is None:
            if not name.startswith("__") and importlib.util.find_spec(f"{package}.{name}"):
                return importlib.import_module(f"{package}.{name}")
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = target.partition(":")
        value: Any = importlib.import_module(module)
        for part in attribute.split("."):
            value = getattr(value, part)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(names))

    return __getattr__, __dir__
