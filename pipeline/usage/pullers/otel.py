"""OpenTelemetry GenAI usage from OTLP/JSON files (a collector's `file` exporter output).

Specs followed: the OpenTelemetry protocol's JSON encoding (OTLP 1.x: `resourceSpans`,
`resourceMetrics`, 64-bit integers as strings), the Collector's `file` exporter layout, and
the GenAI semantic conventions (v1.36+, with the older attribute names they deprecate).

Files are read whole in the pull window, in any layout the Collector's `file` exporter writes
(plain lines, its `compression: zstd` frames, or a gzip/zstd-compressed copy): see
`otlp_files`.

Read:
- spans: a span with `gen_ai.request.model` (else `gen_ai.response.model`) whose
  `gen_ai.operation.name` is a model call (`chat`, `text_completion`, `generate_content`,
  `embeddings`; a span without the attribute, from older instrumentations, counts too) is
  one request at `startTimeUnixNano`; agent, tool, workflow and retrieval spans wrap calls
  and are not counted. Tokens from `gen_ai.usage.input_tokens` + `output_tokens`, else the
  deprecated `gen_ai.usage.prompt_tokens` + `completion_tokens`;
- metrics: `gen_ai.client.operation.duration` histogram points give requests (`count`),
  `gen_ai.client.token.usage` points give tokens (`sum`), both only for model-call
  operations; cumulative series are turned into per-point increases.
The provider comes from `gen_ai.provider.name` (else the older `gen_ai.system`), the unit
from the resource's `service.name`. A record that is not JSON or not OTLP, or a file that
cannot be decompressed, makes the pull malformed (the previous buckets stay).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipeline.core.usage_config import UsageSourceConfig
from pipeline.fetch.errors import malformed
from pipeline.usage.pullers.normalize import normalize, provider_id
from pipeline.usage.pullers.otlp_files import files, records
from pipeline.usage.pullers.rows import UsageRow, aggregate, as_int, iso_time

REQUESTS_METRIC = "gen_ai.client.operation.duration"
TOKENS_METRIC = "gen_ai.client.token.usage"
CUMULATIVE = 2  # AggregationTemporality.CUMULATIVE
# gen_ai.operation.name values that are one call to a model; the others (invoke_agent,
# create_agent, execute_tool, invoke_workflow, retrieval, ...) wrap calls or call no model.
MODEL_CALLS = frozenset({"chat", "text_completion", "generate_content", "embeddings"})
_TOKENS = (("input", "prompt"), ("output", "completion"))  # current name, deprecated name


def _value(any_value: Any) -> Any:
    if not isinstance(any_value, dict):
        return None
    for key in ("stringValue", "intValue", "doubleValue", "boolValue"):
        if key in any_value:
            return any_value[key]
    return None


def _attributes(node: Any) -> dict[str, Any]:
    attributes = node.get("attributes") if isinstance(node, dict) else None
    if attributes is None:
        return {}
    if not isinstance(attributes, list):
        raise malformed("otel: 'attributes' is not a list")
    found = {}
    for attribute in attributes:
        if isinstance(attribute, dict) and isinstance(attribute.get("key"), str):
            found[attribute["key"]] = _value(attribute.get("value"))
    return found


def _moment(nanos: Any) -> dt.datetime:
    return dt.datetime.fromtimestamp(as_int(nanos, "otel: time") / 1e9, dt.UTC)


def _model_of(attributes: dict[str, Any]) -> str | None:
    model = attributes.get("gen_ai.request.model") or attributes.get("gen_ai.response.model")
    return model if isinstance(model, str) and model.strip() else None


def _provider_of(attributes: dict[str, Any]) -> str | None:
    name = attributes.get("gen_ai.provider.name") or attributes.get("gen_ai.system")
    return provider_id(name) if isinstance(name, str) else None


def _is_call(attributes: dict[str, Any]) -> bool:
    operation = attributes.get("gen_ai.operation.name")
    return operation is None or operation in MODEL_CALLS


def pull(source: UsageSourceConfig, *, start: dt.datetime, end: dt.datetime) -> list[UsageRow]:
    """Rows per (service, provider, model, day). When both spans and metrics describe the
    same calls (a collector exporting both), the larger count wins rather than the sum."""
    spans: list[UsageRow] = []
    metrics: list[UsageRow] = []
    state: dict[tuple[Any, ...], tuple[int, float]] = {}  # cumulative series -> last point
    for path in files(Path(source.path or "")):
        for where, record in records(path):
            if not record.strip():
                continue
            try:
                export = json.loads(record)
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise malformed(f"{where} is not JSON") from None
            if not isinstance(export, dict):
                raise malformed(f"{where} is not an OTLP export object")
            spans.extend(_span_rows(export.get("resourceSpans"), source, start, end, where))
            metrics.extend(
                _metric_rows(export.get("resourceMetrics"), source, start, end, where, state)
            )
        spans, metrics = aggregate(spans), aggregate(metrics)
    return _larger(spans, metrics)


def _larger(spans: list[UsageRow], metrics: list[UsageRow]) -> list[UsageRow]:
    merged = {(r.unit or "", r.provider, r.model, r.day): r for r in spans}
    for row in metrics:
        key = (row.unit or "", row.provider, row.model, row.day)
        seen = merged.get(key)
        if seen is None:
            merged[key] = row
            continue
        merged[key] = replace(
            seen,
            requests=max(seen.requests or 0, row.requests or 0),
            tokens=None
            if seen.tokens is None and row.tokens is None
            else max(seen.tokens or 0, row.tokens or 0),
            first_seen=min(t for t in (seen.first_seen, row.first_seen) if t)
            if seen.first_seen or row.first_seen
            else None,
            last_seen=max(t for t in (seen.last_seen, row.last_seen) if t)
            if seen.last_seen or row.last_seen
            else None,
        )
    return [merged[key] for key in sorted(merged)]


def _resources(node: Any, key: str, where: str) -> Iterator[tuple[str | None, list[Any]]]:
    if node is None:
        return
    if not isinstance(node, list):
        raise malformed(f"{where}: not a list of resources")
    for resource in node:
        if not isinstance(resource, dict):
            raise malformed(f"{where}: a resource that is not an object")
        unit = _attributes(resource.get("resource")).get("service.name")
        scopes = resource.get(key) or []
        if not isinstance(scopes, list):
            raise malformed(f"{where}: {key} is not a list")
        yield (unit if isinstance(unit, str) and unit else None), scopes


def _first(attributes: dict[str, Any], *names: str) -> Any:
    for name in names:
        if attributes.get(name) is not None:
            return attributes[name]
    return None


def _span_rows(
    node: Any, source: UsageSourceConfig, start: dt.datetime, end: dt.datetime, where: str
) -> Iterator[UsageRow]:
    for unit, scopes in _resources(node, "scopeSpans", where):
        for scope in scopes:
            for span in (scope.get("spans") or []) if isinstance(scope, dict) else []:
                attributes = _attributes(span)
                model = _model_of(attributes)
                if model is None or not _is_call(attributes):
                    continue
                moment = _moment(span.get("startTimeUnixNano"))
                if not start <= moment < end:
                    continue
                tokens = [
                    _first(attributes, f"gen_ai.usage.{kind}_tokens", f"gen_ai.usage.{old}_tokens")
                    for kind, old in _TOKENS
                ]
                counted = [as_int(t, "otel: gen_ai.usage tokens") for t in tokens if t is not None]
                provider, canonical = normalize(
                    model, source, provider_hint=_provider_of(attributes)
                )
                when = iso_time(moment)
                yield UsageRow(
                    unit=unit,
                    provider=provider,
                    model=canonical,
                    raw_model=model,
                    day=moment.date().isoformat(),
                    requests=1,
                    tokens=sum(counted) if counted else None,
                    first_seen=when,
                    last_seen=when,
                )


def _metric_rows(
    node: Any,
    source: UsageSourceConfig,
    start: dt.datetime,
    end: dt.datetime,
    where: str,
    state: dict[tuple[Any, ...], tuple[int, float]],
) -> Iterator[UsageRow]:
    for unit, scopes in _resources(node, "scopeMetrics", where):
        for scope in scopes:
            for metric in (scope.get("metrics") or []) if isinstance(scope, dict) else []:
                name = metric.get("name") if isinstance(metric, dict) else None
                if name not in (REQUESTS_METRIC, TOKENS_METRIC):
                    continue
                data = metric.get("histogram") or metric.get("sum")
                if not isinstance(data, dict) or not isinstance(data.get("dataPoints"), list):
                    raise malformed(f"{where}: {name} without dataPoints")
                cumulative = data.get("aggregationTemporality") == CUMULATIVE
                for point in data["dataPoints"]:
                    row = _point_row(point, name, unit, source, cumulative, state, where)
                    if row is not None and start <= _moment(point["timeUnixNano"]) < end:
                        yield row


def _point_row(
    point: Any,
    name: str,
    unit: str | None,
    source: UsageSourceConfig,
    cumulative: bool,
    state: dict[tuple[Any, ...], tuple[int, float]],
    where: str,
) -> UsageRow | None:
    if not isinstance(point, dict):
        raise malformed(f"{where}: a data point that is not an object")
    attributes = _attributes(point)
    model = _model_of(attributes)
    if model is None or not _is_call(attributes):
        return None
    moment = _moment(point.get("timeUnixNano"))
    count = as_int(point.get("count", point.get("asInt", 0)), f"{where}: count")
    total = float(point.get("sum", point.get("asDouble", 0)) or 0)
    if cumulative:
        series = (name, unit, point.get("startTimeUnixNano"), tuple(sorted(attributes.items())))
        last_count, last_total = state.get(series, (0, 0.0))
        state[series] = (count, total)
        if count < last_count:  # a reset: the series started again
            last_count, last_total = 0, 0.0
        count, total = count - last_count, total - last_total
    provider, canonical = normalize(model, source, provider_hint=_provider_of(attributes))
    when = iso_time(moment)
    is_requests = name == REQUESTS_METRIC
    if is_requests and count == 0:
        return None
    return UsageRow(
        unit=unit,
        provider=provider,
        model=canonical,
        raw_model=model,
        day=moment.date().isoformat(),
        requests=count if is_requests else None,
        tokens=None if is_requests else round(total),
        first_seen=when if is_requests else None,
        last_seen=when if is_requests else None,
    )
