"""The catalogue as the finder reads it: services in name order, with lookups built once.

A finder request weighs every published service, thousands in a large catalogue, but shows
a page of them. The index answers the bulk of the question with set arithmetic, and leaves
the sentences to :func:`directory.core.eligibility.decide`, run only for what is shown:

- which services share one of the needs asked about (built with the index);
- per rule, and per value of the profile fields that decide it (the rule's ``fails_on``),
  which services that rule excludes. Worked out by running the rule itself, once for each
  kind of service it tells apart (the service fields it ``reads``), the first time a value
  is asked about; then kept (a bounded number of values per rule).

Sets of services are Python ints used as bit sets: bit ``i`` is the service at position
``i`` in :attr:`CatalogueIndex.services`. Pure: no I/O, no framework imports.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from functools import partial
from types import MappingProxyType
from typing import TypeVar, overload

from .caching import BoundedCache
from .eligibility import ELIGIBILITY_RULES, Rule, fails
from .types import Profile, ServiceInfo

__all__ = ["CatalogueIndex", "Deferred", "Positions", "positions"]

T = TypeVar("T")

# Every rule, coverage first (it excludes most). A rule that never fails costs one lookup.
_SCREENED = tuple(sorted(ELIGIBILITY_RULES, key=lambda r: r.name != "borough"))


def positions(bits: int) -> list[int]:
    """The positions set in ``bits``, in ascending order."""
    return list(Positions(bits))


class Positions(Sequence[int]):
    """The positions set in ``bits``, ascending, found as far as they are read.

    A list of a thousand excluded services is usually read twenty at a time.
    """

    def __init__(self, bits: int):
        self._count = bits.bit_count()
        self._digits = bin(bits)[:1:-1]  # lowest bit first, without the "0b"
        self._found: list[int] = []

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        found, digits = self._found, self._digits
        while len(found) <= index:
            found.append(digits.find("1", found[-1] + 1 if found else 0))
        return found[index]


class CatalogueIndex:
    """Published services as values, in the finder's name order, with the finder's lookups."""

    def __init__(self, services: Iterable[ServiceInfo], *, remembered_values: int = 512):
        self.services: tuple[ServiceInfo, ...] = tuple(sorted(services, key=_name_key))
        self.everything = (1 << len(self.services)) - 1
        by_category: dict[str, int] = {}
        uncategorised = 0
        for pos, service in enumerate(self.services):
            bit = 1 << pos
            if not service.categories:
                uncategorised |= bit
            for category in service.categories:
                by_category[category] = by_category.get(category, 0) | bit
        self._by_category = by_category
        self._uncategorised = uncategorised
        self._kinds: dict[tuple[str, ...], list[tuple[ServiceInfo, int]]] = {}
        self._remembered_values = remembered_values
        self._verdicts: dict[str, BoundedCache] = {}  # one per verdict: free text evicts only its own

    def __len__(self) -> int:
        return len(self.services)

    def sharing_needs(self, needs: frozenset[str]) -> int:
        """Services that help with one of ``needs``, or do not record what they help with.

        Every other service is excluded for needs alone
        (:func:`directory.core.eligibility.helps_with_none`).
        """
        if not needs:
            return self.everything
        bits = self._uncategorised
        for need in needs:
            bits |= self._by_category.get(need, 0)
        return bits

    def classify(
        self,
        name: str,
        verdict: Callable[[Profile, ServiceInfo], Hashable],
        profile: Profile,
        profile_fields: tuple[str, ...],
        service_fields: tuple[str, ...],
    ) -> Mapping[Hashable, int]:
        """Every service by ``verdict(profile, service)``: verdict -> services.

        ``verdict`` must depend on nothing but the profile's ``profile_fields`` and the
        service's ``service_fields``: it is worked out once per kind of service, and kept
        per value of the profile fields (under ``name``).
        """
        values = tuple(getattr(profile, field) for field in profile_fields)

        def compute() -> Mapping[Hashable, int]:
            probe = Profile(**dict(zip(profile_fields, values)))
            out: dict[Hashable, int] = {}
            for example, members in self._kinds_by(service_fields):
                answer = verdict(probe, example)
                out[answer] = out.get(answer, 0) | members
            return MappingProxyType(out)

        kept = self._verdicts.get(name) or self._verdicts.setdefault(name, BoundedCache(self._remembered_values))
        return kept.get_or_compute(values, compute)

    def remembered(self) -> int:
        """How many verdicts are kept, over every rule and value."""
        return sum(len(kept) for kept in list(self._verdicts.values()))

    def failing(self, rule: Rule, profile: Profile) -> int:
        """Services ``rule`` excludes for anyone with ``profile``'s values of its fields."""
        verdicts = self.classify(rule.name, partial(fails, rule), profile, rule.fails_on, rule.reads)
        return verdicts.get(True, 0)

    def passing_screened_rules(self, profile: Profile, candidates: int) -> int:
        """Those of ``candidates`` that no rule with declared fields excludes for ``profile``."""
        for rule in _SCREENED:
            if not candidates:
                break
            candidates &= ~self.failing(rule, profile)
        return candidates

    def _kinds_by(self, fields: tuple[str, ...]) -> list[tuple[ServiceInfo, int]]:
        """Services grouped by ``fields``: one example of each kind, and its members.

        A verdict that reads only these fields is the same for every member, so it is worked
        out once per kind: five kinds of age limit among thousands of services, say.
        """
        if fields not in self._kinds:
            kinds: dict[tuple, tuple[ServiceInfo, int]] = {}
            for pos, service in enumerate(self.services):
                key = tuple(getattr(service, field) for field in fields)
                example, members = kinds.get(key, (service, 0))
                kinds[key] = (example, members | 1 << pos)
            self._kinds[fields] = list(kinds.values())
        return self._kinds[fields]


def _name_key(service: ServiceInfo) -> tuple:
    return service.name_key


class Deferred(Sequence[T]):
    """A read-only sequence whose items are made from ``keys`` when first read, then kept.

    The finder's lists hold every service that matches or is excluded; a page reads twenty.
    """

    def __init__(self, keys: Sequence, make: Callable[[object], T]):
        self._keys = keys
        self._make = make
        self._made: dict[int, T] = {}

    def __len__(self) -> int:
        return len(self._keys)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...

    def __getitem__(self, index):
        count = len(self._keys)
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(count)))
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError(index)
        if index not in self._made:
            self._made[index] = self._make(self._keys[index])
        return self._made[index]

    def __iter__(self) -> Iterator[T]:
        for i in range(len(self)):
            yield self[i]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Deferred, tuple, list)):
            return len(self) == len(other) and tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"Deferred({len(self)} items, {len(self._made)} made)"
