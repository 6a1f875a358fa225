"""The remote backend: any server that speaks OpenAI's chat-completions API.

OpenAI, Ollama, vLLM and llama.cpp's server all do.  For structured output the
strongest mode the server accepts is used — ``json_schema`` response format,
else ``json_object`` with a ``schema`` (llama-cpp-python's server turns it
into a grammar), else plain ``json_object``, else a plain prompt — and remembered, so a server
without schema support costs one refused request, not one per call.  The
answer is validated by `localgenie.structured` whatever the mode.

A busy or failing server is asked again (`localgenie.llm.retries`): HTTP 408/429/5xx, and a connection
dropped before any of the answer arrived, are retried after the server's ``Retry-After`` or an
exponential back-off, a bounded number of times.  A stream cut after part of the answer reached the
caller cannot be taken back here: that is `AnswerInterrupted`, which the validate-and-retry loop turns
into a new attempt.  The backend is safe to share between threads (``--concurrency``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..errors import AnswerInterrupted, BackendError
from .base import BackendInfo, GenerationOptions, Message, Response, Token, Usage
from .retries import RETRY_STATUSES, Retryable, RetryPolicy, retry_after

JSON_MODES = ("json_schema", "json_object_schema", "json_object", "none")
INTERRUPTED_HINT = (
    "llama-cpp-python's server cuts a streamed answer short when another request arrives: start it with "
    "--interrupt_requests False to serve several requests at once"
)


def normalise_base_url(base_url: str) -> str:
    """Accept ``http://host:port`` as well as ``http://host:port/v1``."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BackendError(
            f"--base-url must be an http(s) URL such as http://localhost:11434/v1, not {base_url!r}"
        )
    url = base_url.rstrip("/")
    return url + "/v1" if parts.path in ("", "/") else url


class OpenAICompatBackend:
    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        model: str | None = None,
        timeout: float = 120.0,
        connect_timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport,
        )
        self.retry = retry or RetryPolicy()
        self._model = model
        self._json_mode = 0  # index into JSON_MODES: the strongest mode not yet refused
        self._logprobs = True  # until the server refuses them
        self.info = BackendInfo(
            kind="remote", model=model or "(server default)", details={"base_url": self.base_url}
        )

    def count_tokens(self, text: str) -> int | None:
        return None

    def close(self) -> None:
        """Close the connection pool (the backend is unusable afterwards)."""
        self._client.close()

    def __enter__(self) -> OpenAICompatBackend:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def model(self) -> str:
        """The model to ask for; when none was configured, the first one the server lists."""
        if self._model is None:
            data = self._request("GET", "/models")
            models = data.get("data") if isinstance(data, dict) else None
            if not models or not isinstance(models[0], dict) or "id" not in models[0]:
                raise BackendError(f"{self.base_url} lists no models; pass --model NAME (or GENIE_MODEL)")
            self._model = str(models[0]["id"])
            self.info.model = self._model
        return self._model

    def prompt(self, messages: list[Message], options: GenerationOptions | None = None) -> Response:
        options = options or GenerationOptions()
        usage = Usage()
        return Response(lambda response: self._generate(messages, options, usage, response), usage)

    def _body(self, messages: list[Message], options: GenerationOptions, mode: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [_message_json(m) for m in messages],
            "max_tokens": options.max_tokens,
            "temperature": options.temperature,
            "top_p": options.top_p,
        }
        if options.seed is not None:
            body["seed"] = options.seed
        if options.logprobs and self._logprobs:
            body["logprobs"] = True
            body["top_logprobs"] = 1  # llama-cpp-python's server sends none without it
        if options.json_schema is not None and mode == "json_schema":
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "output", "schema": options.json_schema, "strict": False},
            }
        elif options.json_schema is not None and mode == "json_object_schema":
            body["response_format"] = {"type": "json_object", "schema": options.json_schema}
        elif options.json_schema is not None and mode == "json_object":
            body["response_format"] = {"type": "json_object"}
        return body

    def _generate(
        self, messages: list[Message], options: GenerationOptions, usage: Usage, response: Response
    ) -> Iterator[Token]:
        tries = 0  # failed tries worth repeating (busy server, dropped connection)
        while True:
            mode = JSON_MODES[self._json_mode] if options.json_schema is not None else "none"
            body = self._body(messages, options, mode)
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
            handed = 0  # tokens of this try already given to the caller
            try:
                for token in self._stream(body, usage, response, refusable=mode != "none"):
                    handed += 1
                    yield token
                return
            except _Refused as refusal:
                if "logprobs" in body and "logprobs" in str(refusal):
                    self._logprobs = False  # remembered: asked once per backend
                    continue
                if mode == "none":
                    raise BackendError(f"{self.base_url} refused the request: {refusal}") from None
                # max: requests in flight together may all be refused the same mode; step past it once.
                self._json_mode = max(self._json_mode, JSON_MODES.index(mode) + 1)
            except Retryable as retry:
                if handed:
                    raise AnswerInterrupted(
                        f"{self.base_url} {retry.reason} after {handed} tokens of the answer had arrived"
                        + (f" ({retry.detail})" if retry.detail else "")
                    ) from None
                tries += 1
                time.sleep(self.retry.wait(retry, tries, self.base_url))

    def _stream(
        self, body: dict[str, Any], usage: Usage, response: Response, *, refusable: bool = False
    ) -> Iterator[Token]:
        """Server-sent events of chat-completion chunks; a plain JSON reply is accepted too.  `Retryable`
        when the server is busy or the stream ends before a finish reason says the answer is complete."""
        response.finish_reason = None
        try:
            with self._client.stream("POST", "/chat/completions", json=body) as reply:
                if reply.status_code >= 400:
                    reply.read()
                    if (refusable and "response_format" in reply.text) or (
                        "logprobs" in body and "logprobs" in reply.text
                    ):
                        # Some servers (llama-cpp-python's) answer 500, not 400, to an unknown format.
                        raise _Refused(f"HTTP {reply.status_code}: {reply.text[:300]}")
                    self._raise_for_status(reply, "/chat/completions")
                if "text/event-stream" not in reply.headers.get("content-type", ""):
                    reply.read()
                    yield from self._parse_chunk(self._decode(reply, "/chat/completions"), usage, response)
                    return
                chunks = 0
                said_done = False
                for line in reply.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    payload = line[5:].strip()
                    if payload == "[DONE]":
                        said_done = True
                        break
                    try:
                        chunk = json.loads(payload)
                    except json.JSONDecodeError:
                        raise BackendError(
                            f"{self.base_url} streamed something that is not JSON: {payload[:200]!r}"
                        ) from None
                    for piece in self._parse_chunk(chunk, usage, response):
                        chunks += 1
                        yield piece
                if response.finish_reason is None:  # every complete answer says why it ended
                    if said_done:  # what llama-cpp-python's server sends a request another one interrupted
                        raise Retryable("ended the answer without a finish reason", detail=INTERRUPTED_HINT)
                    raise Retryable("closed the stream before the answer was finished")
                if not usage.completion_tokens:
                    usage.completion_tokens = chunks  # servers that report no usage stream ~1 token a chunk
        except httpx.TransportError as exc:
            raise self._transport_error(exc) from None

    def _transport_error(self, exc: httpx.TransportError) -> Exception:
        """A dropped connection is worth another try (`Retryable`); no server, or no answer within the
        timeout, is not (waiting would hide a wrong URL or a stuck server)."""
        if isinstance(exc, httpx.TimeoutException):
            return BackendError(f"{self.base_url} did not answer in time ({type(exc).__name__})")
        if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
            return Retryable("closed the connection before the answer was finished", detail=str(exc))
        return BackendError(
            f"cannot reach {self.base_url} ({exc}); is the server running? check --base-url or GENIE_BASE_URL"
        )

    def _parse_chunk(self, chunk: Any, usage: Usage, response: Response) -> Iterator[Token]:
        if not isinstance(chunk, dict) or not isinstance(chunk.get("choices"), list):
            raise BackendError(
                f"{self.base_url} answered something that is not a chat completion: {str(chunk)[:200]}"
            )
        reported = chunk.get("usage")
        if isinstance(reported, dict):
            usage.prompt_tokens = int(reported.get("prompt_tokens") or 0)
            usage.completion_tokens = int(reported.get("completion_tokens") or 0)
        for choice in chunk["choices"]:
            if not isinstance(choice, dict):
                raise BackendError(f"{self.base_url} answered a malformed choice: {str(choice)[:200]}")
            part = choice.get("delta") or choice.get("message") or {}
            if choice.get("finish_reason"):
                response.finish_reason = choice["finish_reason"]
            content = part.get("content") if isinstance(part, dict) else None
            if content:
                yield from _tokens(str(content), choice.get("logprobs"))

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        tries = 0
        while True:
            try:
                try:
                    reply = self._client.request(method, path, **kwargs)
                except httpx.TransportError as exc:
                    raise self._transport_error(exc) from None
                self._raise_for_status(reply, path)
                return self._decode(reply, path)
            except Retryable as retry:
                tries += 1
                time.sleep(self.retry.wait(retry, tries, self.base_url))

    def _raise_for_status(self, reply: httpx.Response, path: str) -> None:
        if reply.status_code in (401, 403):
            raise BackendError(
                f"{self.base_url} refused the credentials (HTTP {reply.status_code}); check --api-key"
            )
        if reply.status_code in (400, 422):
            raise _Refused(f"HTTP {reply.status_code}: {reply.text[:300]}")
        if reply.status_code in RETRY_STATUSES:
            busy = " (too many requests)" if reply.status_code == 429 else ""
            raise Retryable(
                f"answered HTTP {reply.status_code}{busy}",
                retry_after(reply.headers),
                detail=f"last answer: {reply.text[:200]}" if reply.text.strip() else "",
            )
        if reply.status_code >= 400:
            raise BackendError(f"{self.base_url}{path} answered HTTP {reply.status_code}: {reply.text[:300]}")

    def _decode(self, reply: httpx.Response, path: str) -> Any:
        try:
            return reply.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise BackendError(
                f"{self.base_url}{path} answered with something that is not JSON: {reply.text[:200]!r}"
            ) from None


def _tokens(content: str, logprobs: Any) -> Iterator[Token]:
    """One `Token` per reported token when the server sent log-probabilities that spell the content;
    otherwise the content as one piece (servers stream about a token a chunk)."""
    entries = logprobs.get("content") if isinstance(logprobs, dict) else None
    if isinstance(entries, list) and entries and all(isinstance(e, dict) for e in entries):
        pieces = [str(e.get("token", "")) for e in entries]
        values = [e.get("logprob") for e in entries]
        if "".join(pieces) == content and all(isinstance(v, int | float) for v in values):
            for piece, value in zip(pieces, values, strict=True):
                yield Token(piece, None, float(value), "sampled")
            return
        if all(isinstance(v, int | float) for v in values):
            yield Token(content, None, float(sum(values)), "sampled")
            return
    yield Token(content, None, None, "sampled")


def _message_json(message: Message) -> dict[str, Any]:
    """Plain text, or OpenAI's content-part list when the message carries images."""
    if not message.images:
        return {"role": message.role, "content": message.content}
    parts: list[dict[str, Any]] = [{"type": "text", "text": message.content}]
    parts.extend({"type": "image_url", "image_url": {"url": url}} for url in message.images)
    return {"role": message.role, "content": parts}


class _Refused(Exception):
    """HTTP 400/422: the server does not accept this request shape (often: no schema mode)."""
