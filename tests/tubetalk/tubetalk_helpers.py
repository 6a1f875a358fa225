"""Helpers for TubeTalk tests: composed comment sets and a cheap deterministic embedder.

Pipeline tests use :class:`HashingEmbedder` so they need neither torch nor the distilled table;
the real static embedder is covered by ``test_embed.py`` (slow: it may build the table).
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

FIXTURES = Path(__file__).parent / "fixtures"


class HashingEmbedder:
    """Bag of words hashed into 128 dims: similar wording → similar vectors, fully deterministic."""

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        out = np.zeros((len(texts), 128), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]{3,}", text.lower()):
                digest = hashlib.md5(word.encode()).digest()
                out[row, digest[0] % 128] += 1.0 if digest[1] % 2 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out


TOPICS = {
    "audio": [
        "the audio is too quiet in the second half",
        "audio too quiet, had to turn my volume all the way up",
        "background music too loud, the audio mix drowns your voice",
        "please fix the audio levels, music too loud again",
    ],
    "editing": [
        "love the editing and the colour grading in this one",
        "the editing is amazing, great transitions",
        "your editing keeps getting better, love it",
        "amazing editing and great pacing",
    ],
    "camera": [
        "what camera do you use for filming?",
        "which camera and lens is this filmed on?",
        "what camera settings do you use?",
        "is that camera the new sony one?",
    ],
    "nextvideo": [
        "you should make a video about budget microphones next",
        "please make a video on lighting setups next",
        "you should do a follow up video on the microphones",
        "can you make a video about your desk setup next",
    ],
}


def composed_comments(copies: int = 6) -> list[dict[str, object]]:
    """youtube-comment-downloader records: a few clear topics, each phrased several ways."""
    records: list[dict[str, object]] = []
    n = 0
    for topic, phrasings in TOPICS.items():
        for round_ in range(copies):
            for phrase in phrasings:
                n += 1
                records.append(
                    {
                        "cid": f"Ug{topic}{n:04d}",
                        "text": f"{phrase} {'!' * (round_ % 3)}" + (f" (take {round_})" if round_ else ""),
                        "time": f"{n % 9 + 1} days ago",
                        "author": f"@viewer{n}",
                        "votes": str(n % 7),
                        "heart": n % 11 == 0,
                        "reply": False,
                        "time_parsed": 1_700_000_000 + n * 3600,
                    }
                )
    return records


def write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def route_requests_through(monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    """Send the downloader's HTTP(S) through a local "proxy", so no test depends on the network's state."""
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, address)
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every request refused at once, as with no network: a local port nobody listens on."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
    route_requests_through(monkeypatch, f"http://127.0.0.1:{port}")
