"""Block Kit's published limits as Slack's API refuses them, for the Slack stand-in
(https://api.slack.com/reference/block-kit/blocks)."""

from __future__ import annotations

from typing import Any


def block_problems(blocks: Any) -> str | None:
    """Block Kit's published limits, as Slack refuses them (`invalid_blocks`): 50 blocks,
    unique `block_id`s of at most 255 characters, header text 150, section text 3000; an
    actions block has 1-25 elements, a button plain_text text of 1-75 characters, an
    `action_id` unique in its block (<= 255), `value` <= 2000, `url` <= 3000, `style`
    primary or danger; a context block 1-10 elements."""
    if blocks is None:
        return None
    if not isinstance(blocks, list) or len(blocks) > 50:
        return "invalid_blocks"
    ids = [b.get("block_id") for b in blocks if isinstance(b, dict) and "block_id" in b]
    if len(ids) != len(set(ids)) or any(not isinstance(i, str) or len(i) > 255 for i in ids):
        return "invalid_blocks"
    for block in blocks:
        if not isinstance(block, dict):
            return "invalid_blocks"
        text = (block.get("text") or {}).get("text", "")
        if block.get("type") == "header" and not 0 < len(text) <= 150:
            return "invalid_blocks"
        if block.get("type") == "section" and not 0 < len(text) <= 3000:
            return "invalid_blocks"
        if block.get("type") == "actions" and _actions_problem(block.get("elements")):
            return "invalid_blocks"
        if block.get("type") == "context" and not 0 < len(block.get("elements") or []) <= 10:
            return "invalid_blocks"
    return None


def _actions_problem(elements: Any) -> bool:
    if not isinstance(elements, list) or not 0 < len(elements) <= 25:
        return True
    action_ids = [e.get("action_id") for e in elements if isinstance(e, dict)]
    if len(action_ids) != len(elements) or len(set(action_ids)) != len(action_ids):
        return True
    for element in elements:
        text = element.get("text") or {}
        if element.get("type") != "button" or text.get("type") != "plain_text":
            return True
        if not 0 < len(text.get("text") or "") <= 75 or len(element.get("action_id") or "") > 255:
            return True
        if len(element.get("value") or "") > 2000 or len(element.get("url") or "") > 3000:
            return True
        if element.get("style") not in (None, "primary", "danger"):
            return True
    return False
