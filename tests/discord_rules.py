"""What Discord refuses: its documented limits, applied to the bodies the bot sends.

The fake Discord answers a body that breaks one of these with 400 and Discord's own
error shape (code 50035, "Invalid Form Body", the errors nested by field path), so a
bot that would fail against Discord fails against the fake too. The numbers are
written out here from Discord's documentation, not imported from the bot, so that a
wrong constant in the bot cannot hide itself:

- message content: discord.com/developers/docs/resources/message#create-message
- embeds: .../resources/message#embed-object-embed-limits (and up to 10 a message)
- buttons and select menus: .../components/reference
- autocomplete choices: .../interactions/application-commands#application-command-object
- urls: http(s) only ("Scheme ... is not supported"), at most 2,048 characters
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

CONTENT = 2000
EMBEDS = 10
EMBED_TOTAL = 6000
EMBED_TEXT = {"title": 256, "description": 4096}
EMBED_FIELDS = 25
FIELD_NAME, FIELD_VALUE = 256, 1024
FOOTER_TEXT, AUTHOR_NAME = 2048, 256
URL_LENGTH = 2048
BUTTON_URL_LENGTH = 512
ACTION_ROWS, ROW_ITEMS = 5, 5
BUTTON_LABEL, CUSTOM_ID = 80, 100
SELECT_OPTIONS, OPTION_TEXT, PLACEHOLDER = 25, 100, 150
CHOICES, CHOICE_NAME, CHOICE_VALUE = 25, 100, 100

Errors = dict[str, Any]


def invalid_form_body(errors: Errors) -> dict[str, Any]:
    """Discord's 400 body for a request it will not accept."""
    return {"code": 50035, "errors": errors, "message": "Invalid Form Body"}


def message_errors(body: dict[str, Any]) -> Errors:
    """What is wrong with a message body (create, edit, follow-up, callback data)."""
    errors: Errors = {}
    content = body.get("content")
    if isinstance(content, str) and len(content) > CONTENT:
        errors["content"] = _too_long(CONTENT)
    embeds = body.get("embeds") or []
    if len(embeds) > EMBEDS:
        errors["embeds"] = _too_long(EMBEDS)
    for n, embed in enumerate(embeds):
        _put(errors, ["embeds", str(n)], _embed_errors(embed))
    if sum(_embed_size(embed) for embed in embeds) > EMBED_TOTAL:
        errors.setdefault("embeds", {})["_errors"] = [
            {
                "code": "MAX_EMBED_SIZE_EXCEEDED",
                "message": f"Embed size exceeds maximum size of {EMBED_TOTAL}",
            }
        ]
    _put(errors, ["components"], _components_errors(body.get("components") or []))
    return errors


def callback_errors(body: dict[str, Any]) -> Errors:
    """What is wrong with an interaction response; Discord nests it under ``data``."""
    data = body.get("data") or {}
    if body.get("type") == 8:
        return {"data": found} if (found := _choices_errors(data.get("choices") or [])) else {}
    return {"data": found} if (found := message_errors(data)) else {}


def url_errors(url: Any, limit: int = URL_LENGTH) -> list[dict[str, str]]:
    """Discord's complaints about a url: its scheme, its form, its length."""
    text = str(url)
    scheme = text.split(":", 1)[0] if ":" in text else ""
    if scheme.lower() not in {"http", "https"}:
        return [
            {
                "code": "URL_TYPE_INVALID_SCHEME",
                "message": f'Scheme "{scheme}" is not supported. '
                "Scheme must be one of ('http', 'https').",
            }
        ]
    if not urlsplit(text).netloc or any(ch.isspace() or ord(ch) < 32 for ch in text):
        return [{"code": "URL_TYPE_INVALID_URL", "message": "Not a well formed URL."}]
    if len(text) > limit:
        return _too_long(limit)["_errors"]
    return []


def _embed_errors(embed: dict[str, Any]) -> Errors:
    errors: Errors = {}
    for key, limit in EMBED_TEXT.items():
        if len(embed.get(key) or "") > limit:
            errors[key] = _too_long(limit)
    urls = ("url",), ("author", "url"), ("author", "icon_url"), ("footer", "icon_url")
    for path in (*urls, ("image", "url"), ("thumbnail", "url")):
        value: Any = embed
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        # An image may name a file uploaded with the message ("attachment://chart.png").
        uploaded = path[-1] != "url" or path[0] in {"image", "thumbnail"}
        if uploaded and str(value).startswith("attachment://"):
            continue
        if value is not None and (found := url_errors(value)):
            _put(errors, list(path), {"_errors": found})
    fields = embed.get("fields") or []
    if len(fields) > EMBED_FIELDS:
        errors["fields"] = _too_long(EMBED_FIELDS)
    for n, field in enumerate(fields):
        for key, limit in (("name", FIELD_NAME), ("value", FIELD_VALUE)):
            if not 1 <= len(field.get(key) or "") <= limit:
                _put(errors, ["fields", str(n), key], _length(1, limit))
    if len((embed.get("footer") or {}).get("text") or "") > FOOTER_TEXT:
        _put(errors, ["footer", "text"], _too_long(FOOTER_TEXT))
    if len((embed.get("author") or {}).get("name") or "") > AUTHOR_NAME:
        _put(errors, ["author", "name"], _too_long(AUTHOR_NAME))
    return errors


def _embed_size(embed: dict[str, Any]) -> int:
    """Characters Discord counts toward the 6,000 of a message."""
    fields = embed.get("fields") or []
    return sum(
        (
            len(embed.get("title") or ""),
            len(embed.get("description") or ""),
            sum(len(f.get("name") or "") + len(f.get("value") or "") for f in fields),
            len((embed.get("footer") or {}).get("text") or ""),
            len((embed.get("author") or {}).get("name") or ""),
        )
    )


def _components_errors(rows: list[dict[str, Any]]) -> Errors:
    errors: Errors = {}
    if len(rows) > ACTION_ROWS:
        errors["_errors"] = _too_long(ACTION_ROWS)["_errors"]
    for r, row in enumerate(rows):
        items = row.get("components") or []
        if len(items) > ROW_ITEMS:
            _put(errors, [str(r), "components"], _too_long(ROW_ITEMS))
        for i, item in enumerate(items):
            _put(errors, [str(r), "components", str(i)], _item_errors(item))
    return errors


def _item_errors(item: dict[str, Any]) -> Errors:
    errors: Errors = {}
    if "custom_id" in item and not 1 <= len(item["custom_id"]) <= CUSTOM_ID:
        errors["custom_id"] = _length(1, CUSTOM_ID)
    if len(item.get("label") or "") > BUTTON_LABEL:
        errors["label"] = _too_long(BUTTON_LABEL)
    if "url" in item and (found := url_errors(item["url"], BUTTON_URL_LENGTH)):
        errors["url"] = {"_errors": found}
    if len(item.get("placeholder") or "") > PLACEHOLDER:
        errors["placeholder"] = _too_long(PLACEHOLDER)
    options = item.get("options") or []
    if len(options) > SELECT_OPTIONS:
        errors["options"] = _too_long(SELECT_OPTIONS)
    for n, option in enumerate(options):
        for key in ("label", "value", "description"):
            if len(option.get(key) or "") > OPTION_TEXT:
                _put(errors, ["options", str(n), key], _too_long(OPTION_TEXT))
    return errors


def _choices_errors(choices: list[dict[str, Any]]) -> Errors:
    errors: Errors = {}
    if len(choices) > CHOICES:
        errors["choices"] = _too_long(CHOICES)
    for n, choice in enumerate(choices):
        if not 1 <= len(choice.get("name") or "") <= CHOICE_NAME:
            _put(errors, ["choices", str(n), "name"], _length(1, CHOICE_NAME))
        if isinstance(choice.get("value"), str) and len(choice["value"]) > CHOICE_VALUE:
            _put(errors, ["choices", str(n), "value"], _too_long(CHOICE_VALUE))
    return errors


def _too_long(limit: int) -> Errors:
    message = f"Must be {limit} or fewer in length."
    return {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": message}]}


def _length(low: int, high: int) -> Errors:
    message = f"Must be between {low} and {high} in length."
    return {"_errors": [{"code": "BASE_TYPE_BAD_LENGTH", "message": message}]}


def _put(errors: Errors, path: list[str], found: Errors) -> None:
    """Nest ``found`` under ``path``, as Discord nests errors by field."""
    if not found:
        return
    for key in path[:-1]:
        errors = errors.setdefault(key, {})
    errors.setdefault(path[-1], {}).update(found)
