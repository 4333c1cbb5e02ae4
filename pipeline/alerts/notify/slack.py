"""Slack delivery: Block Kit rendering within Slack's limits, and sending via the Web API
(`chat.postMessage` with a bot token) or an incoming webhook behind one interface.

Scraped text is escaped (`&`, `<`, `>`), which also defuses `<!channel>`, `<@U..>` and
`<#C..>`, and its formatting characters (`*`, `_`, `~`, backticks) are defused; mrkdwn
objects carry `verbatim: true` and we never ask for `link_names` or `parse=full`. Only
http(s) URLs become links.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import logging
from collections.abc import Callable
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient, WebhookClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from pipeline.alerts.notify.base import DeliveryError, ItemView, by_urgency, heading, item_view
from pipeline.alerts.notify.escape import ELLIPSIS, slack_text, truncate
from pipeline.alerts.notify.slack_confirm import metadata, posted_keys, remember
from pipeline.alerts.slack_actions.buttons import actions_block, has_buttons
from pipeline.core.models import Alert, AlertItem
from pipeline.core.redact import redact_registered
from pipeline.fetch.errors import retry_after_seconds

log = logging.getLogger(__name__)
# slack-sdk's webhook client logs its URL (a secret) at DEBUG; keep that logger quiet.
_sdk_log = logging.getLogger(__name__ + ".sdk")
_sdk_log.setLevel(logging.WARNING)

MAX_BLOCKS = 50
SECTION_MAX = 3000
HEADER_MAX = 150
FALLBACK_MAX = 3500
SECTIONS_PER_MESSAGE = 40  # leaves room for the header and footer blocks
SECTIONS_WITH_BUTTONS = 24  # a section and an actions block each, plus header and footer
MESSAGE_TEXT_MAX = 12_000  # sum of section texts per message
MAX_INLINE_WAIT = 5.0  # seconds; a longer Retry-After goes back to the outbox
PERMANENT_ERRORS = {
    "invalid_blocks",
    "invalid_blocks_format",
    "invalid_arguments",
    "invalid_payload",
    "msg_too_long",
    "no_text",
    "too_many_attachments",
}


def fit(text: str, limit: int) -> str:
    """Truncate escaped mrkdwn without cutting an `&amp;` entity or one of our `<...>` links."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    lt = cut.rfind("<")
    if lt != -1 and ">" not in cut[lt:]:
        cut = cut[:lt]
    return cut + ELLIPSIS


def section_text(view: ItemView) -> str:
    e = slack_text
    lines = [f"*{e(view.label)}:* *{e(view.model)}* ({e(view.provider)})"]
    if view.change:
        lines.append(f"Changed: {e(view.change)}")
    if not view.ops:
        lines.append(f"When: {e(view.when)}")
    if view.note:
        lines.append(e(view.note))
    if view.replacements:
        lines.append(f"Replacement: {e(view.replacements)}")
    if view.matched_as:
        lines.append(f"Matched your usage: {e(view.matched_as)}")
    if view.usage:
        lines.append(f"Calls: {e(view.usage)}")
    if view.evidence:
        lines.append("> " + e(view.evidence).replace("\n", "\n> "))
    if view.url:
        lines.append(f"<{e(view.url)}|Source page>")
        if view.changes_url:
            lines.append(f"<{e(view.changes_url)}|What changed on the provider's page>")
    elif view.url_text:
        lines.append(f"Source (not a link): {e(view.url_text)}")
    return fit("\n".join(lines), SECTION_MAX)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _chunks(
    alert: Alert, now: dt.datetime, per_message: int = SECTIONS_PER_MESSAGE
) -> list[list[tuple[str, str, AlertItem]]]:
    """Group (section text, fallback line, item) so each message stays within the limits."""
    chunks: list[list[tuple[str, str, AlertItem]]] = [[]]
    size = fallback = 0
    for item in by_urgency(alert.items, now):
        view = item_view(item, now)
        text = section_text(view)
        line = "- " + slack_text(truncate(view.summary, 240))
        current = chunks[-1]
        if current and (
            len(current) >= per_message
            or size + len(text) > MESSAGE_TEXT_MAX
            or fallback + len(line) + 1 > FALLBACK_MAX - HEADER_MAX - 20
        ):
            chunks.append([])
            size = fallback = 0
        chunks[-1].append((text, line, item))
        size += len(text)
        fallback += len(line) + 1
    return chunks


def render_parts(
    alert: Alert, *, now: dt.datetime, buttons: bool = False
) -> list[tuple[dict[str, Any], int]]:
    """Messages as ({"text", "blocks"}, number of alert items in that message); with
    `buttons`, each model's section is followed by its actions block (`slack_actions`)."""
    title = heading(alert)
    chunks = _chunks(alert, now, SECTIONS_WITH_BUTTONS if buttons else SECTIONS_PER_MESSAGE)
    parts = []
    for number, chunk in enumerate(chunks, start=1):
        suffix = f" ({number}/{len(chunks)})" if len(chunks) > 1 else ""
        header = fit(slack_text(title), HEADER_MAX - len(suffix)) + suffix
        footer = f"Sunset Watch - {slack_text(truncate(alert.team, 80))}"
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": {"type": "plain_text", "text": header}}
        ]
        for index, (text, _, item) in enumerate(chunk):
            blocks.append(_section(text))
            if buttons and has_buttons(alert.team, item):
                block = actions_block(alert.team, item, index, now)
                blocks.extend([block] if block else [])
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": footer}]})
        text = fit("\n".join([header, *(line for _, line, _ in chunk)]), FALLBACK_MAX)
        parts.append(({"text": text, "blocks": blocks}, len(chunk)))
    return parts


def render_slack_messages(
    alert: Alert, *, now: dt.datetime, buttons: bool = False
) -> list[dict[str, Any]]:
    """The alert as one or more Slack messages, each `{"text": fallback, "blocks": [...]}`."""
    return [message for message, _ in render_parts(alert, now=now, buttons=buttons)]


def _retry_after_header(headers: dict[str, Any] | None) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            value = value[0] if isinstance(value, list) else value
            return None if value is None else str(value).strip()
    return None


def _retry_after(headers: dict[str, Any] | None) -> float | None:
    """Seconds from Retry-After, delta-seconds or an HTTP-date (the fetcher's one parser;
    an HTTP-date is compared with the wall clock, as the server wrote it)."""
    return retry_after_seconds(_retry_after_header(headers), dt.datetime.now(dt.UTC))


def _http_error(
    what: str,
    status: int,
    error: str,
    headers: dict[str, Any] | None,
    redact: Callable[[str], str] = redact_registered,
) -> DeliveryError:
    error = truncate(redact(error), 100)  # redact first: a cut secret matches no form
    if status == 429:
        after = _retry_after(headers)
        return DeliveryError(
            f"{what}: rate limited (429, Retry-After {after})", retry_after=after, outage=True
        )
    if status >= 500:
        return DeliveryError(f"{what}: HTTP {status} {error}", outage=True)
    return DeliveryError(f"{what}: HTTP {status} {error}", permanent=error in PERMANENT_ERRORS)


class ShortRateLimitRetry(RateLimitErrorRetryHandler):
    """slack-sdk's 429 handler sleeps for Retry-After; only let it when the wait is short, so a
    long wait never blocks the delivery run (the outbox reschedules the alert instead)."""

    def __init__(self, max_retry_count: int, max_wait: float = MAX_INLINE_WAIT) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        # slack-sdk sleeps int(Retry-After) itself: only delta-seconds may retry inline.
        value = _retry_after_header(response.headers)
        return value is not None and value.isdigit() and float(value) <= self.max_wait


class SlackNotifier:
    """Posts alerts to Slack with a bot token (`channel` required) or an incoming webhook."""

    def __init__(
        self,
        *,
        token: str | None,
        api_url: str,
        webhook_url: str | None,
        channel: str | None = None,
        timeout: float = 10,
        rate_limit_retries: int = 1,
        redact: Callable[[str], str] = redact_registered,
        buttons: bool = False,
    ) -> None:
        self._redact = redact
        self._buttons = buttons and not webhook_url  # a webhook's messages cannot be clicked
        handlers: list[RetryHandler] = [ShortRateLimitRetry(max_retry_count=rate_limit_retries)]
        self._web: WebClient | None = None
        self._hook: WebhookClient | None = None
        self._channel = channel
        if webhook_url:
            self._hook = WebhookClient(
                webhook_url, timeout=max(int(timeout), 1), retry_handlers=handlers, logger=_sdk_log
            )
        elif token and channel:
            self._web = WebClient(
                token=token,
                base_url=api_url,
                timeout=max(int(timeout), 1),
                retry_handlers=handlers,
                logger=_sdk_log,
            )
        else:
            raise ValueError("SlackNotifier needs a webhook URL, or a token and a channel")

    @property
    def confirms(self) -> bool:
        """A bot token can read channel history to tell whether a message went out."""
        return self._web is not None

    def send(self, alert: Alert, *, now: dt.datetime) -> None:
        self.send_keyed(alert, now=now, maybe_sent_since=None)

    def send_keyed(
        self, alert: Alert, *, now: dt.datetime, maybe_sent_since: dt.datetime | None
    ) -> None:
        """Post each part with metadata carrying its key; when the alert may already be out
        (`maybe_sent_since`), first read the channel's history and skip the parts found.
        May raise `slack_confirm.HistoryUnavailable` (the caller decides what then)."""
        parts = render_parts(alert, now=now, buttons=self._buttons)
        found: set[str] = set()
        if maybe_sent_since is not None and self._web is not None:
            try:
                found = posted_keys(self._web, self._channel or "", maybe_sent_since)
            except SlackApiError as exc:
                raise _http_error(
                    "Slack API (history)",
                    exc.response.status_code,
                    str((exc.response.data or {}).get("error") or "")
                    if isinstance(exc.response.data, dict)
                    else "",
                    exc.response.headers,
                ) from None
            except (SlackClientError, OSError) as exc:
                raise DeliveryError(
                    f"Slack unreachable (history): {type(exc).__name__}", outage=True
                ) from None
        delivered = 0
        for message, count in parts:
            key = message_key(self._channel or "webhook", message)
            if key in found:
                log.info("Slack part %s was already posted: not posting it again", key[:12])
            else:
                try:
                    self._post(message, key)
                except DeliveryError as exc:
                    exc.delivered_items = delivered
                    raise
            delivered += count

    def _post(self, message: dict[str, Any], key: str) -> None:
        try:
            if self._hook is not None:
                response = self._hook.send(
                    text=message["text"],
                    blocks=message["blocks"],
                    unfurl_links=False,
                    unfurl_media=False,
                )
                if response.status_code != 200:
                    raise _http_error(
                        "Slack webhook",
                        response.status_code,
                        response.body or "",
                        response.headers,
                        self._redact,
                    )
                return
            assert self._web is not None
            answer = self._web.chat_postMessage(
                channel=self._channel or "",
                text=message["text"],
                blocks=message["blocks"],
                unfurl_links=False,
                unfurl_media=False,
                metadata=metadata(key),
            )
            remember(self._web, self._channel or "", answer.get("channel"))
        except SlackApiError as exc:
            response = exc.response
            data = response.data if isinstance(response.data, dict) else {}
            error = str(data.get("error") or "")
            status = response.status_code
            if status == 200:
                raise DeliveryError(
                    f"Slack API error: {truncate(self._redact(error), 100)}",
                    permanent=error in PERMANENT_ERRORS,
                    outage=error in ("invalid_auth", "not_authed", "token_revoked"),
                ) from None
            raise _http_error("Slack API", status, error, response.headers, self._redact) from None
        except URLError as exc:
            # urllib wraps failures to connect or to send the request: nothing went out.
            raise DeliveryError(
                f"Slack unreachable: URLError: {truncate(self._redact(str(exc.reason)), 200)}",
                outage=True,
            ) from None
        except (TimeoutError, http.client.HTTPException, ConnectionError) as exc:
            # The request was sent and the answer never came: Slack may have posted it.
            raise DeliveryError(
                f"Slack did not answer after the request was sent ({type(exc).__name__}): "
                "maybe sent",
                outage=True,
                maybe_sent=True,
            ) from None
        except (SlackClientError, OSError) as exc:
            # None of these carries secrets.
            raise DeliveryError(
                f"Slack unreachable: {type(exc).__name__}: {truncate(self._redact(str(exc)), 200)}",
                outage=True,
            ) from None


def message_key(channel: str, message: dict[str, Any]) -> str:
    """A message's key in its metadata: the same part of the same alert to the same channel
    always gets the same key, also when the rest of a partly sent alert is re-queued."""
    sections = [
        block["text"]["text"] for block in message["blocks"] if block.get("type") == "section"
    ]
    text = "\n".join([channel.lstrip("#").lower(), *sections])
    return hashlib.sha256(text.encode()).hexdigest()[:40]
