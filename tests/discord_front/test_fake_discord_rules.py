"""The fake Discord refuses what Discord refuses, in Discord's words, on every route."""

from __future__ import annotations

from typing import Any

import aiohttp
from fake_discord import APPLICATION_ID, CHANNEL_ID, FakeDiscord

EMBED = {"title": "Headline", "description": "Text", "footer": {"text": "Jan 8, 2020"}}


async def post(fake: FakeDiscord, method: str, path: str, body: Any) -> tuple[int, Any]:
    """Send ``body`` as the bot would, and take the refusal off the record: the fixture
    fails a test after which the fake has refused anything the test did not expect."""
    async with aiohttp.ClientSession() as session:
        response = await session.request(method, fake.api_base + path, json=body)
        status, answer = response.status, await response.json()
    if status == 400:
        fake.rejected.pop()
    return status, answer


async def test_content_over_2000_characters_is_refused_as_discord_does(fake: FakeDiscord) -> None:
    status, body = await post(
        fake, "POST", f"/channels/{CHANNEL_ID}/messages", {"content": "x" * 2001}
    )
    assert status == 400
    assert body == {
        "code": 50035,
        "message": "Invalid Form Body",
        "errors": {
            "content": {
                "_errors": [
                    {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}
                ]
            }
        },
    }


async def test_content_of_2000_characters_is_accepted(fake: FakeDiscord) -> None:
    status, _ = await post(
        fake, "POST", f"/channels/{CHANNEL_ID}/messages", {"content": "x" * 2000}
    )
    assert status == 200


async def test_a_javascript_url_in_an_interaction_response_is_refused(fake: FakeDiscord) -> None:
    embed = {**EMBED, "url": "javascript:alert(1)"}
    status, body = await post(
        fake, "POST", "/interactions/1/token/callback", {"type": 4, "data": {"embeds": [embed]}}
    )
    assert status == 400
    [error] = body["errors"]["data"]["embeds"]["0"]["url"]["_errors"]
    assert error == {
        "code": "URL_TYPE_INVALID_SCHEME",
        "message": 'Scheme "javascript" is not supported. '
        "Scheme must be one of ('http', 'https').",
    }


async def test_embeds_over_6000_characters_in_all_are_refused_in_follow_ups(
    fake: FakeDiscord,
) -> None:
    embeds = [{"description": "x" * 4000}, {"description": "y" * 2001}]
    status, body = await post(fake, "POST", f"/webhooks/{APPLICATION_ID}/token", {"embeds": embeds})
    assert status == 400
    assert body["errors"]["embeds"]["_errors"][0]["code"] == "MAX_EMBED_SIZE_EXCEEDED"


async def test_over_long_embed_parts_are_each_named_in_edits(fake: FakeDiscord) -> None:
    embed = {
        "title": "t" * 257,
        "description": "d" * 4097,
        "footer": {"text": "f" * 2049},
        "author": {"name": "a" * 257},
        "fields": [{"name": "n" * 257, "value": "v" * 1025}],
    }
    status, body = await post(
        fake, "PATCH", f"/channels/{CHANNEL_ID}/messages/1", {"embeds": [embed]}
    )
    assert status == 400
    errors = body["errors"]["embeds"]["0"]
    assert set(errors) == {"title", "description", "footer", "author", "fields"}
    assert errors["fields"]["0"]["value"]["_errors"][0]["message"] == (
        "Must be between 1 and 1024 in length."
    )


async def test_long_button_labels_and_custom_ids_are_refused(fake: FakeDiscord) -> None:
    button = {"type": 2, "style": 2, "label": "l" * 81, "custom_id": "c" * 101}
    status, body = await post(
        fake,
        "PATCH",
        f"/webhooks/{APPLICATION_ID}/token/messages/@original",
        {"components": [{"type": 1, "components": [button]}]},
    )
    assert status == 400
    assert set(body["errors"]["components"]["0"]["components"]["0"]) == {"label", "custom_id"}


async def test_autocomplete_over_25_choices_or_long_names_is_refused(fake: FakeDiscord) -> None:
    choices = [{"name": "n" * 101, "value": "v"}] * 26
    status, body = await post(
        fake, "POST", "/interactions/1/token/callback", {"type": 8, "data": {"choices": choices}}
    )
    assert status == 400
    assert "_errors" in body["errors"]["data"]["choices"]
    assert "name" in body["errors"]["data"]["choices"]["0"]
