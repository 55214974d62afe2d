"""A small Discord on 127.0.0.1 for end-to-end tests of the real discord.py client.

It serves the REST routes discord.py calls (login, application info, command sync,
messages, typing, interaction callbacks, webhook follow-ups) and a gateway websocket
that says HELLO, accepts IDENTIFY and RESUME, sends READY and GUILD_CREATE, and
acknowledges heartbeats. Tests inject MESSAGE_CREATE and INTERACTION_CREATE events
and read back every request the bot made, as Discord would have received it.

Like Discord, it refuses a message, edit, follow-up or interaction response that breaks
one of Discord's limits (:mod:`discord_rules`) with a 400, and keeps the refusal in
``rejected``; the tests' fixture fails any test after which that list is not empty.

Payload shapes follow Discord's API documentation and discord.py's own parsers.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web
from discord_rules import callback_errors, invalid_form_body, message_errors

TOKEN = "fake-token"
BOT_ID = 900_000_000_000_000_001
APPLICATION_ID = 900_000_000_000_000_002
GUILD_ID = 900_000_000_000_000_003
CHANNEL_ID = 900_000_000_000_000_004
ASK_CHANNEL_ID = 900_000_000_000_000_005
DM_CHANNEL_ID = 900_000_000_000_000_006
# A second server, on shard 0 of 2 as GUILD_ID is on shard 1 ((id >> 22) % 2).
GUILD_B_ID = 900_000_000_004_194_307
CHANNEL_B_ID = 900_000_000_000_000_008
OWNER_ID = 1
EVERYONE_PERMISSIONS = 0x0000_0000_0004_0C40  # view, send, read history, use slash commands
MANAGE_GUILD = 0x20

_ids = itertools.count(1_000_000_000_000_000_000)


def snowflake() -> int:
    return next(_ids)


def user(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
    }


BOT_USER = user(BOT_ID, "coverage-bot", bot=True)


def guild_of(channel_id: int) -> int:
    return GUILD_B_ID if channel_id == CHANNEL_B_ID else GUILD_ID


def text_channel(channel_id: int, name: str) -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(guild_of(channel_id)),
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "rate_limit_per_user": 0,
    }


def member(author: dict[str, Any], permissions: int = EVERYONE_PERMISSIONS) -> dict[str, Any]:
    return {
        "user": author,
        "roles": [],
        "joined_at": "2020-01-01T00:00:00+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
        "permissions": str(permissions),
    }


def guild(guild_id: int = GUILD_ID) -> dict[str, Any]:
    """A server: the newsroom (#general, #ask) or, as GUILD_B_ID, another (#b-general)."""
    channels = (
        [text_channel(CHANNEL_ID, "general"), text_channel(ASK_CHANNEL_ID, "ask")]
        if guild_id == GUILD_ID
        else [text_channel(CHANNEL_B_ID, "b-general")]
    )
    return {
        "id": str(guild_id),
        "name": "Newsroom" if guild_id == GUILD_ID else "Other server",
        "owner_id": "1",
        "unavailable": False,
        "member_count": 2,
        "roles": [
            {
                "id": str(guild_id),
                "name": "@everyone",
                "permissions": str(EVERYONE_PERMISSIONS),
                "position": 0,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            }
        ],
        "channels": channels,
        "members": [member(BOT_USER)],
        "emojis": [],
        "stickers": [],
        "features": [],
        "threads": [],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "premium_tier": 0,
        "preferred_locale": "en-US",
    }


@dataclass(frozen=True)
class Channel:
    """A channel given as a slash command's option."""

    id: int


def _option(name: str, value: Any) -> dict[str, Any]:
    if isinstance(value, Channel):
        return {"name": name, "type": 7, "value": str(value.id)}
    kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 10
    return {"name": name, "type": 3 if isinstance(value, str) else kind, "value": value}


@dataclass
class Request:
    """One HTTP request the bot made."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    files: list[tuple[str, str, bytes]] = field(default_factory=list)
    """Attachments of a multipart request: (filename, content type, bytes)."""

    @property
    def json(self) -> dict[str, Any]:
        assert isinstance(self.body, dict), self.body
        return self.body


@dataclass
class FakeDiscord:
    """The server. ``requests`` holds every REST call; ``gateway_ops`` every gateway op."""

    heartbeat_interval_ms: int = 45_000
    # Close the gateway with this code on IDENTIFY (4014: disallowed intents).
    refuse_identify_with: int | None = None
    requests: list[Request] = field(default_factory=list)
    gateway_ops: list[int] = field(default_factory=list)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    commands: list[dict[str, Any]] = field(default_factory=list)
    originals: dict[str, int] = field(default_factory=dict)  # interaction token -> message id
    rejected: list[tuple[Request, dict[str, Any]]] = field(default_factory=list)
    deleted: set[int] = field(default_factory=set)
    """Members' messages deleted: a reply to one is refused unless it says to post anyway."""
    tokens_expired: bool = False
    """Interaction tokens past their 15 minutes: an edit through one is refused (401)."""
    guild_ids: list[int] = field(default_factory=lambda: [GUILD_ID])
    """The servers the bot is in; with shards, each goes to the shard Discord's rule names."""
    identified: list[list[int] | None] = field(default_factory=list)
    """The ``shard`` of each IDENTIFY, in order (None: not sharded)."""
    _socket: web.WebSocketResponse | None = None
    _sockets: dict[int, web.WebSocketResponse] = field(default_factory=dict)
    _shard_count: int = 1
    _sequence: int = 0
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _runner: web.AppRunner | None = None
    port: int = 0

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for socket in {*self._sockets.values(), self._socket} - {None}:
            await socket.close()  # type: ignore[union-attr]
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- what tests wait for -------------------------------------------------------------

    async def wait_for_request(
        self, predicate: Callable[[Request], bool], timeout: float = 10.0, count: int = 1
    ) -> list[Request]:
        """The first ``count`` requests that match, once they have been made."""

        def matching() -> list[Request]:
            return [r for r in self.requests if predicate(r)]

        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(matching()) >= count), timeout
            )
        return matching()[:count]

    async def wait_for_op(self, op: int, timeout: float = 10.0) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: op in self.gateway_ops), timeout)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- events tests inject ----------------------------------------------------------------

    async def dispatch(
        self,
        event: str,
        data: dict[str, Any],
        socket: web.WebSocketResponse | None = None,
    ) -> None:
        """Send an event on ``socket``, else on the shard that serves the event's server."""
        if socket is None:
            guild_id = data.get("guild_id") or (data.get("id") if event == "GUILD_CREATE" else None)
            socket = self._sockets.get(self.shard_of(int(guild_id))) if guild_id else None
        socket = socket or self._socket
        assert socket is not None, "the bot is not connected"
        self._sequence += 1
        await socket.send_str(json.dumps({"op": 0, "t": event, "s": self._sequence, "d": data}))

    def shard_of(self, guild_id: int) -> int:
        """Discord's rule: a server's events go to shard (id >> 22) % shard count."""
        return (guild_id >> 22) % self._shard_count

    async def send_op(self, op: int, data: Any = None) -> None:
        assert self._socket is not None, "the bot is not connected"
        await self._socket.send_str(json.dumps({"op": op, "d": data}))

    async def message_create(
        self,
        content: str,
        *,
        author: dict[str, Any],
        channel_id: int = CHANNEL_ID,
        mentions: list[dict[str, Any]] = (),  # type: ignore[assignment]
        reply_to: dict[str, Any] | None = None,
        deleted: bool = False,
    ) -> dict[str, Any]:
        """A message typed by ``author``; in a DM when ``channel_id`` is DM_CHANNEL_ID.
        ``deleted``: its author deletes it at once, before the bot can reply."""
        message = {
            "id": str(snowflake()),
            "channel_id": str(channel_id),
            "author": author,
            "content": content,
            "timestamp": "2020-01-08T12:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": list(mentions),
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 19 if reply_to else 0,
            "flags": 0,
            "components": [],
        }
        if channel_id != DM_CHANNEL_ID:
            message["guild_id"] = str(guild_of(channel_id))
            message["member"] = {k: v for k, v in member(author).items() if k != "user"}
        if reply_to is not None:
            message["message_reference"] = {
                "type": 0,
                "message_id": reply_to["id"],
                "channel_id": reply_to["channel_id"],
                "guild_id": str(GUILD_ID),
            }
            message["referenced_message"] = reply_to
        if deleted:
            self.deleted.add(int(message["id"]))
        await self.dispatch("MESSAGE_CREATE", message)
        if deleted:
            await self.dispatch(
                "MESSAGE_DELETE",
                {k: message[k] for k in ("id", "channel_id", "guild_id") if k in message},
            )
        return message

    async def interaction_create(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        author: dict[str, Any],
        permissions: int = EVERYONE_PERMISSIONS,
        message: dict[str, Any] | None = None,
        channel_id: int = CHANNEL_ID,
    ) -> dict[str, Any]:
        """An interaction by ``author`` in #general (or ``channel_id``, in its server):
        2 command, 3 component, 4 autocomplete."""
        guild_id = guild_of(channel_id)
        interaction = {
            "id": str(snowflake()),
            "application_id": str(APPLICATION_ID),
            "type": kind,
            "token": f"token-{snowflake()}",
            "version": 1,
            "guild_id": str(guild_id),
            "channel_id": str(channel_id),
            "channel": text_channel(channel_id, "channel"),
            "member": member(author, permissions),
            "app_permissions": str(EVERYONE_PERMISSIONS),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "authorizing_integration_owners": {"0": str(guild_id)},
            "context": 0,
            "data": data,
        }
        if message is not None:
            interaction["message"] = message
        await self.dispatch("INTERACTION_CREATE", interaction)
        return interaction

    async def slash(
        self,
        name: str,
        options: dict[str, Any],
        *,
        author: dict[str, Any],
        subcommand: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """A slash command; option types follow the values (a ``Channel`` is a channel)."""
        typed = [_option(k, v) for k, v in options.items()]
        data: dict[str, Any] = {
            "id": str(snowflake()),
            "name": name,
            "type": 1,
            "guild_id": str(guild_of(kwargs.get("channel_id", CHANNEL_ID))),
            "options": [{"name": subcommand, "type": 1, "options": typed}] if subcommand else typed,
        }
        channels = [v for v in options.values() if isinstance(v, Channel)]
        if channels:
            data["resolved"] = {
                "channels": {
                    str(c.id): {**text_channel(c.id, "channel"), "permissions": "0"}
                    for c in channels
                }
            }
        return await self.interaction_create(2, data, author=author, **kwargs)

    # -- REST ------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        body: Any = None
        files: list[tuple[str, str, bytes]] = []
        if request.content_type == "multipart/form-data":
            async for part in await request.multipart():
                data = await part.read()  # type: ignore[union-attr]
                if part.name == "payload_json":
                    body = json.loads(data)
                else:
                    files.append((part.filename or "", part.headers.get("Content-Type", ""), data))
        elif request.can_read_body:
            raw = await request.read()
            body = json.loads(raw) if raw and request.content_type == "application/json" else raw
        path = "/" + request.match_info["path"]
        recorded = Request(request.method, path, dict(request.query), body, files)
        self.requests.append(recorded)
        if path.startswith(("/users/", "/oauth2/", "/applications/")) and (
            request.headers.get("Authorization") != f"Bot {TOKEN}"
        ):
            return web.Response(
                status=401,
                body=b'{"message": "401: Unauthorized", "code": 0}',
                headers={"Content-Type": "application/json"},
            )
        if self.tokens_expired and path.startswith("/webhooks/") and request.method == "PATCH":
            return web.Response(
                status=401,
                body=b'{"message": "Invalid Webhook Token", "code": 50027}',
                headers={"Content-Type": "application/json"},
            )
        errors = self._refusal(recorded)
        if errors:
            self.rejected.append((recorded, errors))
            await self._notify()
            return web.Response(
                status=400,
                body=json.dumps(invalid_form_body(errors)).encode(),
                headers={"Content-Type": "application/json"},
            )
        response = self._respond(recorded)
        await self._notify()
        if response is None:
            return web.Response(status=204)
        # discord.py reads a body as JSON only when the content type is exactly this.
        return web.Response(
            body=json.dumps(response).encode(), headers={"Content-Type": "application/json"}
        )

    def _refusal(self, r: Request) -> dict[str, Any]:
        """What Discord would refuse in this request: messages, edits, follow-ups and
        interaction responses, on every route the bot posts them to."""
        parts = r.path.strip("/").split("/")
        if not isinstance(r.body, dict) or r.method not in {"POST", "PATCH"}:
            return {}
        if parts[0] == "interactions" and parts[-1] == "callback":
            return callback_errors(r.body)
        if parts[0] == "webhooks" or (parts[0] == "channels" and "messages" in parts):
            return message_errors(r.body) or self._reference_errors(r.body)
        return {}

    def _reference_errors(self, body: dict[str, Any]) -> dict[str, Any]:
        """Discord refuses a reply to a deleted message unless its reference says
        ``fail_if_not_exists: false`` (then it posts the message without the reply)."""
        reference = body.get("message_reference") or {}
        if (
            int(reference.get("message_id") or 0) in self.deleted
            and reference.get("fail_if_not_exists", True) is not False
        ):
            return {
                "message_reference": {
                    "_errors": [
                        {"code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "message": "Unknown message"}
                    ]
                }
            }
        return {}

    def _respond(self, r: Request) -> Any:
        parts = r.path.strip("/").split("/")
        if r.path == "/users/@me":
            return BOT_USER
        if r.path == "/oauth2/applications/@me":
            return {
                "id": str(APPLICATION_ID),
                "name": "coverage-bot",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": 0,
                "owner": user(OWNER_ID, "owner"),
            }
        if r.method == "PUT" and parts[0] == "applications" and parts[-1] == "commands":
            self.commands = [{**c, "id": str(snowflake())} for c in r.body]
            return [
                {**c, "application_id": str(APPLICATION_ID), "version": "1"} for c in self.commands
            ]
        if parts[0] == "channels" and parts[-1] == "typing":
            return None
        if r.method == "POST" and parts[0] == "channels" and parts[-1] == "threads":
            return self._thread(int(parts[1]), int(parts[3]), r.json)
        if r.method == "POST" and parts[0] == "channels" and parts[-1] == "messages":
            return self._store_message(int(parts[1]), r.json)
        if r.method == "PATCH" and parts[0] == "channels":
            return self._edit_message(int(parts[3]), r.json)
        if parts[0] == "interactions" and parts[-1] == "callback":
            return self._callback(parts[2], r.json)
        if parts[0] == "webhooks" and r.method == "POST":
            return self._store_message(CHANNEL_ID, r.json)
        if parts[0] == "webhooks" and r.method == "PATCH":
            target = parts[-1]
            original = self.originals.get(parts[2], 0)
            return self._edit_message(original if target == "@original" else int(target), r.json)
        return {}

    def _store_message(self, channel_id: int, body: dict[str, Any]) -> dict[str, Any]:
        message = {
            "id": str(snowflake()),
            "channel_id": str(channel_id),
            "author": BOT_USER,
            "content": body.get("content") or "",
            "timestamp": "2020-01-08T12:00:01+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 19 if body.get("message_reference") else 0,
            "flags": body.get("flags") or 0,
        }
        self.messages[int(message["id"])] = message
        return message

    def _thread(self, channel_id: int, message_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """A public thread started from a message; its id is the message's, as Discord's is."""
        return {
            "id": str(message_id),
            "type": 11,
            "guild_id": str(guild_of(channel_id)),
            "parent_id": str(channel_id),
            "owner_id": str(BOT_ID),
            "name": body["name"],
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration") or 1440,
                "archive_timestamp": "2020-01-08T12:00:01+00:00",
                "locked": False,
            },
        }

    def _edit_message(self, message_id: int, body: dict[str, Any]) -> dict[str, Any]:
        message = self.messages.get(message_id) or self._store_message(CHANNEL_ID, {})
        message.update({k: v for k, v in body.items() if k in {"content", "embeds", "components"}})
        return message

    def _callback(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        kind = body["type"]
        data = body.get("data") or {}
        result: dict[str, Any] = {
            "interaction": {
                "id": str(snowflake()),
                "type": 2,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool((data.get("flags") or 0) & 64),
            },
            "resource": {"type": kind},
        }
        if kind in (4, 7):
            message = self._store_message(CHANNEL_ID, data)
            result["interaction"]["response_message_id"] = message["id"]
            self.originals[token] = int(message["id"])
            result["resource"]["message"] = message
        return result

    # -- gateway ---------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket = socket
        await socket.send_str(
            json.dumps({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        )
        async for frame in socket:
            if frame.type is not WSMsgType.TEXT:
                break
            payload = json.loads(frame.data)
            self.gateway_ops.append(payload["op"])
            await self._on_op(socket, payload)
            await self._notify()
        return socket

    async def _on_op(self, socket: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        op = payload["op"]
        if op == 1:  # heartbeat
            await socket.send_str(json.dumps({"op": 11, "d": None}))
        elif op == 2 and self.refuse_identify_with is not None:
            await socket.close(code=self.refuse_identify_with)
        elif op == 2:  # identify
            shard = payload["d"].get("shard")
            self.identified.append(shard)
            shard_id, self._shard_count = shard or (0, 1)
            self._sockets[shard_id] = socket
            mine = [g for g in self.guild_ids if self.shard_of(g) == shard_id]
            ready = {
                "v": 10,
                "user": BOT_USER,
                "guilds": [{"id": str(g), "unavailable": True} for g in mine],
                "session_id": f"fake-session-{shard_id}",
                "resume_gateway_url": self.gateway_url,
                "application": {"id": str(APPLICATION_ID), "flags": 0},
            }
            if shard is not None:
                ready["shard"] = shard
            await self.dispatch("READY", ready, socket)
            for guild_id in mine:
                await self.dispatch("GUILD_CREATE", guild(guild_id), socket)
        elif op == 6:  # resume: the session names the shard
            shard_id = int(str(payload["d"]["session_id"]).rsplit("-", 1)[1])
            self._sockets[shard_id] = socket
            await self.dispatch("RESUMED", {}, socket)
