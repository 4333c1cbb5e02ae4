"""Socket Mode: clicks over a WebSocket the app opens to Slack (no public URL), with
slack-sdk's built-in `SocketModeClient` and the app-level token (`xapp-...`, scope
`connections:write`). Every envelope is acknowledged at once (Slack redelivers an
unacknowledged one); an `interactive` one goes to the shared `ClickHandler`.
See https://api.slack.com/apis/socket-mode.
"""

from __future__ import annotations

import logging
import threading

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from pipeline.alerts.slack_actions.handler import ClickHandler
from pipeline.core.errors import ConfigError

log = logging.getLogger(__name__)
# slack-sdk's Socket Mode client logs every frame at DEBUG (payloads, the WSS URL's ticket).
_sdk_log = logging.getLogger(__name__ + ".sdk")
_sdk_log.setLevel(logging.WARNING)


def listener(handler: ClickHandler):
    """The request listener `SocketModeClient` calls for each envelope."""

    def on_request(client: SocketModeClient, request: SocketModeRequest) -> None:
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
        if request.type == "interactive":
            try:
                handler.handle(request.payload)
            except Exception:  # pragma: no cover - the handler answers its own errors
                log.exception("Slack click handler failed")

    return on_request


class Listener:
    """A connected Socket Mode client: `with Listener(...) as l: l.wait()`."""

    def __init__(
        self, app_token: str, api_url: str, handler: ClickHandler, ping_interval: float = 10
    ) -> None:
        self._stop = threading.Event()
        self.client = SocketModeClient(
            app_token=app_token,
            web_client=WebClient(base_url=api_url, logger=_sdk_log),
            logger=_sdk_log,
            ping_interval=ping_interval,
        )
        self.client.socket_mode_request_listeners.append(listener(handler))

    def __enter__(self) -> Listener:
        _sdk_log.setLevel(logging.CRITICAL)  # a failure to connect is our one line below
        try:
            self.client.connect()
        except SlackApiError as exc:
            self.client.close()
            data = exc.response.data if isinstance(exc.response.data, dict) else {}
            error = str(data.get("error") or f"HTTP {exc.response.status_code}")[:80]
            raise ConfigError(
                f"Slack refused to open a Socket Mode connection ({error}): check the app-level "
                "token (xapp-..., scope connections:write) and that Socket Mode is on"
            ) from None
        except (SlackClientError, OSError) as exc:
            self.client.close()
            raise ConfigError(f"cannot reach Slack for Socket Mode: {type(exc).__name__}") from None
        finally:
            _sdk_log.setLevel(logging.WARNING)  # once connected, reconnections are logged
        return self

    def wait(self, timeout: float | None = None) -> None:
        self._stop.wait(timeout)

    def stop(self) -> None:
        self._stop.set()

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.client.close()
