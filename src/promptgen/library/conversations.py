"""Exported chat histories → plain transcripts: ChatGPT, Claude and generic message lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_SPEAKERS = {"user": "User", "human": "User", "assistant": "Assistant", "model": "Assistant"}


@dataclass(frozen=True, slots=True)
class Conversation:
    """One conversation as a transcript of ``Speaker: text`` paragraphs."""

    key: str
    title: str
    text: str


def _mapping(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one: exports are read leniently."""
    return value if isinstance(value, dict) else {}


def _content_text(content: Any) -> str:
    """Text of a message's content, whatever shape the exporter used."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        if isinstance(content.get("parts"), list):
            return "\n".join(_content_text(part) for part in content["parts"])
        return str(content.get("text", ""))
    if isinstance(content, list):
        return "\n".join(_content_text(part) for part in content)
    return ""


def _transcript(turns: list[tuple[str, str]]) -> str:
    lines = []
    for role, text in turns:
        speaker = _SPEAKERS.get(role.lower())
        if speaker and text.strip():
            lines.append(f"{speaker}: {text.strip()}")
    return "\n\n".join(lines)


def _chatgpt_branch(conversation: dict[str, Any]) -> list[tuple[str, str]]:
    """The messages on the branch that ends at ``current_node`` (the one the person last saw).

    A damaged export (a node that is no object, a child or parent missing, a cycle) gives the
    messages that can be reached, never an error or an endless walk.
    """
    mapping = {k: _mapping(v) for k, v in _mapping(conversation.get("mapping")).items()}
    node_id = conversation.get("current_node")
    if not isinstance(node_id, str) or node_id not in mapping:
        # No current node recorded: follow the last child from the root, as the UI shows it.
        node_id = next((k for k, v in mapping.items() if not v.get("parent")), None)
        visited: set[str] = set()
        while node_id is not None and node_id not in visited:
            visited.add(node_id)
            children = mapping[node_id].get("children")
            last = children[-1] if isinstance(children, list) and children else None
            if not isinstance(last, str) or last not in mapping:
                break
            node_id = last
    branch: list[tuple[str, str]] = []
    seen: set[str] = set()
    while isinstance(node_id, str) and node_id in mapping and node_id not in seen:
        seen.add(node_id)
        node = mapping[node_id]
        message = _mapping(node.get("message"))
        role = str(_mapping(message.get("author")).get("role", ""))
        branch.append((role, _content_text(message.get("content"))))
        node_id = node.get("parent")
    branch.reverse()
    return branch


def _from_chatgpt(items: list[dict[str, Any]]) -> list[Conversation]:
    return [
        Conversation(
            str(item.get("id") or item.get("conversation_id") or n),
            str(item.get("title") or f"conversation {n}"),
            _transcript(_chatgpt_branch(item)),
        )
        for n, item in enumerate(items, 1)
    ]


def _from_claude(items: list[dict[str, Any]]) -> list[Conversation]:
    conversations = []
    for n, item in enumerate(items, 1):
        messages = item.get("chat_messages")
        turns = [
            (str(m.get("sender", "")), _content_text(m.get("text") or m.get("content")))
            for m in (messages if isinstance(messages, list) else [])
            if isinstance(m, dict)
        ]
        conversations.append(
            Conversation(
                str(item.get("uuid") or n),
                str(item.get("name") or f"conversation {n}"),
                _transcript(turns),
            )
        )
    return conversations


def _from_messages(messages: list[Any], title: str) -> list[Conversation]:
    turns = []
    for n, message in enumerate(messages, 1):
        if not isinstance(message, dict) or "role" not in message:
            raise ValueError(f"message {n} needs 'role' and 'content'")
        turns.append((str(message["role"]), _content_text(message.get("content"))))
    return [Conversation("", title, _transcript(turns))]


def parse_conversations(data: Any, *, default_title: str) -> list[Conversation]:
    """Conversations in ``data``; ValueError when it is no chat export PromptGen knows."""
    items = data if isinstance(data, list) else [data]
    if not items:
        return []
    first = items[0]
    if isinstance(first, dict) and "mapping" in first:
        return _from_chatgpt([i for i in items if isinstance(i, dict)])
    if isinstance(first, dict) and "chat_messages" in first:
        return _from_claude([i for i in items if isinstance(i, dict)])
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        return _from_messages(data["messages"], str(data.get("title") or default_title))
    if isinstance(first, dict) and "role" in first:
        return _from_messages(items, default_title)
    raise ValueError(
        "unrecognized JSON: expected {id, title, text} records, a ChatGPT or Claude export, "
        "or a list of {role, content} messages"
    )
