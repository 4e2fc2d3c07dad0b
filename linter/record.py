"""Plain record classes: what `@dataclass` gave the model, without its import-time cost.

`dataclasses` generates and execs the source of `__init__`, `__repr__`, `__eq__` (and `__hash__`,
`__setattr__` for frozen ones) per class: ~1 ms a class, ~30 ms for the linter's records at the import of
every run. A record instead writes its `__init__` by hand and declares `_fields` (its field names in
declaration order, which is also the order of `__init__`'s parameters); this base class derives the rest
from `_fields` generically. `_compare` (default: `_fields`) names the fields `__eq__` and `__hash__` use,
like `field(compare=False)` leaving one out.

A `Record` is mutable and, as a dataclass with `eq=True` and not frozen, unhashable. A `FrozenRecord` is
hashable and refuses attribute assignment and deletion (`AttributeError`, as `FrozenInstanceError` is);
its `__init__` sets fields with `object.__setattr__`.
"""

from __future__ import annotations

from typing import Any, TypeVar

R = TypeVar("R", bound="Record")

_repr_running: set[int] = set()


class Record:
    __slots__ = ()
    _fields: tuple[str, ...] = ()
    _compare: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_compare" not in cls.__dict__:
            cls._compare = cls._fields

    def __repr__(self) -> str:
        key = id(self)
        if key in _repr_running:  # a record reachable from itself (as reprlib.recursive_repr in dataclasses)
            return "..."
        _repr_running.add(key)
        try:
            args = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        finally:
            _repr_running.discard(key)
        return f"{type(self).__qualname__}({args})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        names = self._compare
        return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)

    __hash__ = None  # type: ignore[assignment]  # mutable with __eq__: unhashable, as a dataclass is


class FrozenRecord(Record):
    __slots__ = ()

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, n) for n in self._compare))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    # Slotted state is restored with setattr by default, which a frozen record refuses (copy, pickle).
    def __getstate__(self) -> tuple[Any, ...]:
        return tuple(getattr(self, n) for n in self._fields)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        for name, value in zip(self._fields, state):
            object.__setattr__(self, name, value)


def replace(obj: R, /, **changes: Any) -> R:
    """A copy of `obj` with some fields changed (as `dataclasses.replace`): calls the class's `__init__`."""
    for name in changes:
        if name not in obj._fields:
            raise TypeError(f"{type(obj).__qualname__} has no field {name!r}")
    args = {name: getattr(obj, name) for name in obj._fields}
    args.update(changes)
    return type(obj)(**args)
