"""Local stand-ins for providers' list-models endpoints (served by pytest-httpserver),
written from the published API references:

- OpenAI `GET /v1/models` (platform.openai.com/docs/api-reference/models/list): Bearer key,
  `{"object": "list", "data": [{"id", "object": "model", "created", "owned_by"}]}`; a
  wrong key is a 401 whose message echoes a masked form of the key, as OpenAI's does.
- Mistral `GET /v1/models` (docs.mistral.ai/api/#tag/models/operation/list_models_v1_models_get):
  the same envelope; each card has `capabilities`, `name`, `description`,
  `max_context_length`, `aliases`, `deprecation` (date-time or null),
  `deprecation_replacement_model` (string or null), `default_model_temperature`, `type`.
- Together `GET /v1/models` (docs.together.ai/reference/models-1): a bare JSON array of
  models with `id`, `object`, `created`, `type`, `display_name`, `organization`.
- Anthropic `GET /v1/models` (docs.anthropic.com/en/api/models-list): `x-api-key` and
  `anthropic-version` headers required (a missing version is a 400, a wrong key a 401),
  `limit` 1..1000 (default 20; anything else a 400), `after_id` / `before_id` cursors;
  `{"data": [{"type": "model", "id", "display_name", "created_at"}], "has_more",
  "first_id", "last_id"}`. `page_cap` makes pages shorter than the asked `limit` so a test
  sees several pages without a thousand models (the published contract: at most `limit`).

`models` is a mutable list of ids (or (id, extra fields) pairs) read at each request, so a
test changes what the next pull lists. Every request is kept in `seen`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from werkzeug import Request, Response

CREATED = 1_700_000_000


def _json(data: object, status: int = 200) -> Response:
    return Response(json.dumps(data), status, content_type="application/json")


def _entries(models: list[Any]) -> list[tuple[str, dict]]:
    return [(m, {}) if isinstance(m, str) else (m[0], dict(m[1])) for m in models]


@dataclass
class ModelList:
    key: str
    models: list[Any] = field(default_factory=list)
    seen: list[Request] = field(default_factory=list)

    def __call__(self, request: Request) -> Response:
        self.seen.append(request)
        refused = self.refuse(request)
        return refused if refused is not None else self.answer(request)

    def refuse(self, request: Request) -> Response | None:
        header = request.headers.get("Authorization", "")
        if header != f"Bearer {self.key}":
            given = header.removeprefix("Bearer ")
            masked = f"{given[:3]}*****{given[-4:]}" if len(given) > 8 else given
            return _json(
                {
                    "error": {
                        "message": f"Incorrect API key provided: {masked}.",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": "invalid_api_key",
                    }
                },
                401,
            )
        return None

    def answer(self, request: Request) -> Response:
        raise NotImplementedError


@dataclass
class OpenAIModels(ModelList):
    def answer(self, request: Request) -> Response:
        data = [
            {"id": m, "object": "model", "created": CREATED, "owned_by": "system", **extra}
            for m, extra in _entries(self.models)
        ]
        return _json({"object": "list", "data": data})


@dataclass
class MistralModels(ModelList):
    def answer(self, request: Request) -> Response:
        data = []
        for model, extra in _entries(self.models):
            card = {
                "id": model,
                "object": "model",
                "created": CREATED,
                "owned_by": "mistralai",
                "capabilities": {
                    "completion_chat": True,
                    "completion_fim": False,
                    "function_calling": True,
                    "fine_tuning": False,
                    "vision": False,
                },
                "name": model,
                "description": f"{model} model card",
                "max_context_length": 131072,
                "aliases": [],
                "deprecation": None,
                "deprecation_replacement_model": None,
                "default_model_temperature": 0.3,
                "type": "base",
            }
            card.update(extra)
            data.append(card)
        return _json({"object": "list", "data": data})


@dataclass
class TogetherModels(ModelList):
    def answer(self, request: Request) -> Response:
        return _json(
            [
                {
                    "id": model,
                    "object": "model",
                    "created": CREATED,
                    "type": "chat",
                    "display_name": model.rsplit("/", 1)[-1],
                    "organization": model.split("/", 1)[0],
                    **extra,
                }
                for model, extra in _entries(self.models)
            ]
        )


@dataclass
class AnthropicModels(ModelList):
    page_cap: int | None = None

    def refuse(self, request: Request) -> Response | None:
        if request.headers.get("x-api-key") != self.key:
            return _json(
                {
                    "type": "error",
                    "error": {"type": "authentication_error", "message": "invalid x-api-key"},
                },
                401,
            )
        if not request.headers.get("anthropic-version"):
            return _json(
                {
                    "type": "error",
                    "error": {
                        "type": "invalid_request_error",
                        "message": "anthropic-version: header is required",
                    },
                },
                400,
            )
        limit = request.args.get("limit", "20")
        if not limit.isdigit() or not 1 <= int(limit) <= 1000:
            return _json(
                {
                    "type": "error",
                    "error": {
                        "type": "invalid_request_error",
                        "message": "limit: Input should be between 1 and 1000",
                    },
                },
                400,
            )
        return None

    def answer(self, request: Request) -> Response:
        ids = [m for m, _ in _entries(self.models)]
        start = 0
        if after := request.args.get("after_id"):
            if after not in ids:
                return _json(
                    {
                        "type": "error",
                        "error": {"type": "not_found_error", "message": f"{after} not found"},
                    },
                    404,
                )
            start = ids.index(after) + 1
        size = int(request.args.get("limit", "20"))
        if self.page_cap:
            size = min(size, self.page_cap)
        page = ids[start : start + size]
        return _json(
            {
                "data": [
                    {
                        "type": "model",
                        "id": model,
                        "display_name": model.replace("-", " ").title(),
                        "created_at": "2025-05-14T00:00:00Z",
                    }
                    for model in page
                ],
                "has_more": start + size < len(ids),
                "first_id": page[0] if page else None,
                "last_id": page[-1] if page else None,
            }
        )


@dataclass
class GeminiModels(ModelList):
    """Gemini API `GET /v1beta/models` (ai.google.dev/api/models#method:-models.list): the
    key in `x-goog-api-key` (or `key=`; a wrong one is a 400 INVALID_ARGUMENT "API key not
    valid", none a 403 PERMISSION_DENIED), `pageSize` (default 50, at most 1000) and
    `pageToken`; `{"models": [{"name": "models/<id>", "baseModelId", "version",
    "displayName", "description", "inputTokenLimit", "outputTokenLimit",
    "supportedGenerationMethods"}], "nextPageToken"}` (no token on the last page)."""

    page_cap: int | None = None

    def refuse(self, request: Request) -> Response | None:
        given = request.headers.get("x-goog-api-key") or request.args.get("key")
        if not given:
            return _json(
                {"error": {"code": 403, "status": "PERMISSION_DENIED",
                           "message": "Method doesn't allow unregistered callers"}},
                403,
            )  # fmt: skip
        if given != self.key:
            return _json(
                {"error": {"code": 400, "status": "INVALID_ARGUMENT",
                           "message": "API key not valid. Please pass a valid API key."}},
                400,
            )  # fmt: skip
        return None

    def answer(self, request: Request) -> Response:
        ids = [m for m, _ in _entries(self.models)]
        start = int(request.args.get("pageToken") or 0)
        size = min(int(request.args.get("pageSize", "50")), 1000)
        if self.page_cap:
            size = min(size, self.page_cap)
        page = ids[start : start + size]
        body: dict[str, Any] = {
            "models": [
                {
                    "name": f"models/{model}",
                    "baseModelId": model,
                    "version": "001",
                    "displayName": model.replace("-", " ").title(),
                    "description": f"{model} model",
                    "inputTokenLimit": 1048576,
                    "outputTokenLimit": 65536,
                    "supportedGenerationMethods": ["generateContent", "countTokens"],
                }
                for model in page
            ]
        }
        if start + size < len(ids):
            body["nextPageToken"] = str(start + size)
        return _json(body)
