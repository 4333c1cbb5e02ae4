"""Libraries imported on their first use rather than at `import`.

`bs4.element` (4.12 and later) imports `soupsieve`, its CSS-selector engine, unconditionally,
and soupsieve compiles its CSS grammar at import (~50 ms, a sixth of a one-page
`sunset extract`); nothing in Sunset Watch selects by CSS. `defer_soupsieve()` puts a
stand-in module in its place: `import soupsieve` binds the stand-in, and the first read of
one of its attributes (`Tag.select`, `soupsieve.compile`) imports the real module and copies
its names in, so code that does use CSS selectors works as before.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any


class _Deferred(types.ModuleType):
    """A module whose contents are imported on the first read of a name it lacks."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_load(self), name)


def _load(stand_in: types.ModuleType) -> types.ModuleType:
    if sys.modules.get(stand_in.__name__) is stand_in:
        del sys.modules[stand_in.__name__]
    real = importlib.import_module(stand_in.__name__)
    stand_in.__dict__.update(real.__dict__)
    return real


def defer_soupsieve() -> None:
    """Register `soupsieve` as a module imported on first use, unless it is already imported
    or not installed (then bs4 imports it, or warns that it is missing, as it always did)."""
    name = "soupsieve"
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return
    if spec is None:
        return
    stand_in = _Deferred(name)
    stand_in.__spec__ = spec
    stand_in.__loader__ = spec.loader
    stand_in.__file__ = spec.origin
    stand_in.__package__ = name
    if spec.submodule_search_locations is not None:
        stand_in.__path__ = list(spec.submodule_search_locations)
    sys.modules[name] = stand_in
