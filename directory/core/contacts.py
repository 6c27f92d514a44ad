"""How to reach a service, and who can tell when the sources publish no way. Pure.

Every answer ends with someone to contact: the service's own contact and referral route
when known; otherwise the organisation or commissioner the sources name, with their
contact when known; otherwise the body whose board reported it. Never a bare "not known".
"""

from __future__ import annotations

from dataclasses import dataclass

BOARD_CONVENER = (
    "the Mayor's Office for Policing and Crime (MOPAC), which chairs the London Reducing "
    "Reoffending Board whose notes describe it"
)


@dataclass(frozen=True)
class Party:
    """An organisation the sources name for a service: who delivers or commissions it."""

    name: str
    role: str  # "provider" | "commissioner"
    website: str | None = None
    email: str | None = None
    phone: str | None = None

    @property
    def contact(self) -> str | None:
        return self.phone or self.email or self.website


@dataclass(frozen=True)
class Reach:
    website: str | None = None
    email: str | None = None
    phone: str | None = None
    how_to_refer: str | None = None
    where: str | None = None  # the address, inbox or form referrals go to
    routes: tuple[str, ...] = ()  # vocabulary.REFERRAL_ROUTES
    sites: tuple[str, ...] = ()  # "Capital House, 134-138 Romford Road, London, E15 4LD"
    parties: tuple[Party, ...] = ()
    sources: tuple[str, ...] = ()  # addresses of the public pages cited

    @property
    def contacts(self) -> tuple[tuple[str, str], ...]:
        """("Phone", "020 ..."), ("Email", ...), ("Website", ...) as published."""
        return tuple(
            (label, value)
            for label, value in (("Phone", self.phone), ("Email", self.email), ("Website", self.website))
            if value
        )

    @property
    def known(self) -> bool:
        """Something published that reaches the service itself."""
        return bool(self.contacts or self.where or self.sites)

    @property
    def who_can_tell(self) -> str:
        """Who to ask when the sources publish no way to reach the service."""
        for party in self.parties:
            if party.contact:
                return f"Ask {party.name} ({party.role}): {party.contact}"
        if self.parties:
            names = " or ".join(f"{p.name} ({p.role})" for p in self.parties)
            tail = f"; the source is {self.sources[0]}" if self.sources else ""
            return f"Ask {names}; no contact is published for them here{tail}"
        if self.sources:
            return f"The sources name no provider or commissioner; see the source: {self.sources[0]}"
        return f"The sources name no provider or commissioner; ask {BOARD_CONVENER}"

    @property
    def first_step(self) -> str:
        """One line for a list: the way to refer, else the place, else who can tell."""
        if self.how_to_refer:
            return self.how_to_refer
        if self.where:
            return f"Refer to: {self.where}"
        if self.contacts:
            label, value = self.contacts[0]
            return f"{label}: {value}"
        return self.who_can_tell
