"""Cross-checking stored records against reference catalogue entries (pure, no I/O).

A record and an entry are about the same model when they have the same provider and share a
canonical model ID (`pipeline.alerts.match.normalize_model_id`, over the model and its aliases on
both sides), so `openai/gpt-4o`, `models/gemini-1.5-pro` or a Bedrock ARN-style ID meet their
plain form. Only API-scoped model records with a shutdown date are checked: a catalogue speaks
about the API, and without two dates there is nothing to agree or disagree on.

Per record and reference source, the result is one `Verdict`: it agrees when any matching
entry gives the record's shutdown date, otherwise it names the best matching entry (the
record's own model ID before an alias) and its date. A reference entry no record matches
gives nothing: the pages decide what is deprecated.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pipeline.core.model_ids import normalize_model_id
from pipeline.core.models import Record, ReferenceEntry


@dataclass(frozen=True)
class Verdict:
    """What one reference source says about one record's shutdown date."""

    record_id: int
    reference: str  # the reference source id
    reference_model: str  # the entry's model ID as the catalogue writes it
    record_date: str
    reference_date: str

    @property
    def agrees(self) -> bool:
        return self.record_date == self.reference_date


def _canonical(names: Iterable[tuple[str, int]]) -> dict[str, int]:
    """canonical ID -> best rank (0 for the model itself, 1 for an alias)."""
    out: dict[str, int] = {}
    for name, rank in names:
        if not name.strip():
            continue
        key = normalize_model_id(name)[1]
        out[key] = min(rank, out.get(key, rank))
    return out


def cross_check(
    records: Sequence[tuple[int, Record]], entries: Sequence[tuple[str, ReferenceEntry]]
) -> list[Verdict]:
    """One verdict per (record, reference source) pair that names the same model with a date.

    Sorted by (record id, reference source).
    """
    index: dict[tuple[str, str], list[tuple[int, str, ReferenceEntry]]] = defaultdict(list)
    for source_id, entry in entries:
        if not entry.shutdown_date:
            continue
        names = [(entry.model, 0), *((alias, 1) for alias in entry.aliases)]
        for key, rank in _canonical(names).items():
            index[(entry.provider.lower(), key)].append((rank, source_id, entry))

    verdicts: list[Verdict] = []
    for record_id, record in records:
        if record.kind != "model" or record.scope != "api" or not record.shutdown_date:
            continue
        names = [(record.model, 0), *((alias, 1) for alias in record.aliases)]
        by_source: dict[str, list[tuple[int, ReferenceEntry]]] = defaultdict(list)
        for key, rank in _canonical(names).items():
            for entry_rank, source_id, entry in index.get((record.provider.lower(), key), ()):
                by_source[source_id].append((rank + entry_rank, entry))
        for source_id in sorted(by_source):
            candidates = sorted(
                by_source[source_id],
                key=lambda c: (c[0], c[1].shutdown_date != record.shutdown_date, c[1].model),
            )
            agreeing = [c for c in candidates if c[1].shutdown_date == record.shutdown_date]
            _, entry = (agreeing or candidates)[0]
            verdicts.append(
                Verdict(
                    record_id=record_id,
                    reference=source_id,
                    reference_model=entry.model,
                    record_date=record.shutdown_date,
                    reference_date=entry.shutdown_date or "",
                )
            )
    return verdicts
