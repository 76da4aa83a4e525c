"""Which column of an uploaded sheet means what: our header aliases, then the person's own
mapping (given now or remembered for the agency) for the columns we do not know."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

from vms.errors import InvalidInput
from vms.registry.columns import MAPPING_TARGETS, MULTI, SKIPPED, field_for_header, header_key

ColumnSource = Literal["alias", "mapped", "unknown"]


class ColumnUse(BaseModel):
    """How one header was understood: `target` is a field, "tags", "notes", "ignore", or None
    (unknown: ignored until mapped); `source` says whether our alias or the mapping decided."""

    header: str
    target: str | None
    source: ColumnSource


@dataclass(slots=True)
class ColumnPlan:
    """Per column index: the target (None = not read), plus what the report shows."""

    targets: list[str | None]
    sources: list[ColumnSource] = field(default_factory=list)
    uses: list[ColumnUse] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def header_for(self, target: str, headers: list[str]) -> str | None:
        """The header (as written) of the first column read as `target`."""
        for index, name in enumerate(self.targets):
            if name == target:
                return headers[index]
        return None

    def has(self, *targets: str) -> bool:
        return any(t in targets for t in self.targets)


def plan_columns(headers: list[str], mapping: dict[str, str]) -> ColumnPlan:
    """Read every header; `mapping` (header as written -> target) overrides our aliases.
    InvalidInput for a mapping to no known target, or two columns meaning one field."""
    wanted = {header_key(h): t for h, t in mapping.items()}
    for header, choice in mapping.items():
        if choice not in MAPPING_TARGETS:
            choices = ", ".join(MAPPING_TARGETS)
            raise InvalidInput(f"mapping for column {header!r}: {choice!r} is not one of {choices}")
    plan = ColumnPlan(targets=[])
    seen: dict[str, str] = {}
    for header in headers:
        key = header_key(header) if header else ""
        alias = field_for_header(header) if header else None
        target: str | None
        source: ColumnSource
        if key and key in wanted:
            target, source = wanted[key], "mapped"
        elif alias is not None:
            target, source = alias, "alias"
        else:
            target, source = None, "unknown"
        if header:
            plan.uses.append(ColumnUse(header=header, target=target, source=source))
            if target is None:
                plan.unknown.append(header)
        if target is not None and target not in MULTI:
            if target in seen:
                raise InvalidInput(f"columns {seen[target]!r} and {header!r} both mean {target}")
            seen[target] = header
        plan.targets.append(None if target in SKIPPED else target)
        plan.sources.append(source)
    if "code" not in seen:
        raise InvalidInput("no camera code column (รหัสกล้อง / code) in the header row")
    return plan
