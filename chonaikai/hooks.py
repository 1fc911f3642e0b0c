"""What a lower layer needs from a higher one, registered by the higher one when its app is ready.

The apps import only downward (README, Architecture). Where a lower layer needs something only a
higher one knows, the lower layer declares a `Hook` and the higher one registers its value in its
AppConfig.ready(): the accounts tell the audit trail how people are named
(chonaikai.audit.services.ACTOR_NAMER), the geography tells the city texts its first area code
(chonaikai.cities.texts.FIRST_AREA_CODE), the associations tell the boundary import which
associations a file may match (wards.boundaries.BOUNDARY_AREAS). Reading a hook nobody registered
is a set-up error (the providing app is not installed): `NotRegistered`.

Below every app and importing none of them, so that every layer may use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

# Every hook's registered value, by the hook's name: the one registry of the project.
_registered: dict[str, object] = {}


class NotRegistered(RuntimeError):
    """A hook was read before (or without) the app that provides it registering a value."""


@dataclass(frozen=True)
class Hook(Generic[T]):
    """One value a lower layer reads and a higher one registers (`provider`, the app that does)."""

    name: str
    provider: str

    def register(self, value: T) -> None:
        _registered[self.name] = value

    def get(self) -> T:
        try:
            return _registered[self.name]  # type: ignore[return-value]
        except KeyError:
            raise NotRegistered(
                f"Nothing registered for {self.name}: {self.provider} must be in INSTALLED_APPS."
            ) from None
