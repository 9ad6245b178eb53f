"""A faster ``__init__`` for frozen slotted dataclasses built by the million. Pure; no I/O.

The ``__init__`` that ``dataclass(frozen=True)`` writes sets each field with
``object.__setattr__(self, name, value)``, which looks the attribute up on the type for every
field of every instance: 1.4 us for a seven-field ``Contact``, and a million accounts make about
17 million contacts, team places, pairs, gaps and planned contacts. :func:`fast_init` gives such a
class an ``__init__`` with the same signature and defaults that calls each slot's descriptor
directly (0.9 us). Nothing else changes: instances stay frozen, compare and hash as before.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

__all__ = ["fast_init"]

T = TypeVar("T")


def fast_init(cls: type[T]) -> type[T]:
    """Replace the generated ``__init__`` of a frozen, slotted dataclass ``cls``.

    Only for plain fields (no ``default_factory``, ``init=False``, keyword-only fields or
    ``__post_init__``); anything else raises ``TypeError`` when the class is defined.
    """
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__}: fast_init needs a frozen, slotted dataclass")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: fast_init does not call __post_init__")
    namespace: dict[str, Any] = {}
    arguments: list[str] = []
    body: list[str] = []
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        name = field.name
        if field.default_factory is not dataclasses.MISSING or not field.init or field.kw_only:
            raise TypeError(f"{cls.__name__}.{name}: fast_init takes plain fields only")
        if field.default is dataclasses.MISSING:
            arguments.append(name)
        else:
            namespace[f"_default_{name}"] = field.default
            arguments.append(f"{name}=_default_{name}")
        namespace[f"_set_{name}"] = cls.__dict__[name].__set__
        body.append(f"    _set_{name}(self, {name})\n")
    header = f"def __init__(self, {', '.join(arguments)}):\n"
    source = header + ("".join(body) or "    pass\n")
    exec(source, namespace)
    init = namespace["__init__"]
    generated = cls.__dict__["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = dict(generated.__annotations__)
    init.__doc__ = generated.__doc__
    type.__setattr__(cls, "__init__", init)
    return cls
