"""The FastAPI application: one JSON endpoint per task, the page, and errors that say what to do.

    GET  /                     the page (static/index.html)
    GET  /health               {"status": "ok", ...}
    GET  /v1/models            the models, their tasks, sizes and scores
    POST /v1/classify          {"model"?, "text" | "texts"}                 → {"model", "result" | "results"}
    POST /v1/tag               … "tokenized"?, "segmenter"? (auto | rules)
    POST /v1/translate         … "beam"?, "max_len"?, "attention"?
    POST /v1/next-word         … "top_k"?
    POST /v1/generate          {"model"?, "prompt", "max_tokens", "temperature", "top_k", "top_p", "seed", "stream"}
    POST /v1/inspect/gates     {"model"?, "text"}   the numbers behind `textrnn inspect gates`
    POST /v1/inspect/hidden    …                    … `inspect hidden`
    POST /v1/inspect/attention …                    … `inspect attention`
    GET  /openapi.json         the schema of all of the above

Every error is JSON {"error", "hint"} with its status: 400 malformed JSON, 404 unknown model or
path, 413 body too large, 422 a request outside the limits or the schema, 503 (Retry-After)
queue full, 504 timeout, 500 a fault of ours (logged on stderr; the server keeps serving).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from textrnn import __version__
from textrnn.errors import BundleError, InputError, TextrnnError
from textrnn.serve import tasks
from textrnn.serve.batching import Batcher, Pool, QueueFull
from textrnn.serve.limits import BodyLimit, check_texts
from textrnn.serve.registry import Registry, UnknownModel, WrongTask
from textrnn.serve.schemas import (ClassifyRequest, GenerateRequest, InspectRequest, NextWordRequest, TagRequest,
                                   TranslateRequest)
from textrnn.serve.settings import Settings

MAX_INSPECT_CHARS = 2_000   # inspect reads through the step-by-step cells: slower than the fused path
MAX_BATCHERS = 256          # queues kept per server (one per model and option set); idle ones are dropped past it


class Timeout(TextrnnError):
    """A request took longer than the server's --timeout (HTTP 504)."""


STATUS = [(UnknownModel, 404), (WrongTask, 422), (QueueFull, 503), (Timeout, 504), (BundleError, 500),
          (InputError, 422), (TextrnnError, 422)]


class JsonBodies:
    """ASGI middleware: every body the API takes is JSON, whatever its Content-Type says
    (`curl -d '{"text": …}'` sends it as a form)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].startswith("/v1/"):
            headers = [(k, v) for k, v in scope["headers"] if k != b"content-type"]
            scope = {**scope, "headers": headers + [(b"content-type", b"application/json")]}
        await self.app(scope, receive, send)


def error(status: int, message: str, hint: str | None = None, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "hint": hint}, status_code=status, headers=headers)


class Server:
    """The state behind the routes: settings, models, thread pool, one batcher per model and options."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.registry = Registry(settings.models)
        self.pool: Pool | None = None
        self.batchers: dict[tuple, Batcher] = {}
        self.started = time.time()

    def batcher(self, key: tuple, run) -> Batcher:
        b = self.batchers.get(key)
        if b is None:
            if len(self.batchers) >= MAX_BATCHERS:
                for k in [k for k, v in self.batchers.items() if not v.jobs and not v.running]:
                    del self.batchers[k]
            s = self.settings
            b = self.batchers[key] = Batcher(run, self.pool, batching=s.batching, max_batch=s.max_batch,
                                             max_wait_ms=s.max_wait_ms, max_queue=s.max_queue)
        return b

    async def load(self, name: str | None, task: str):
        entry = self.registry.pick(name, task)
        return entry, await self.pool.call(self.registry.load, entry)

    async def within_time(self, awaitable):
        try:
            return await asyncio.wait_for(awaitable, self.settings.timeout_s)
        except asyncio.TimeoutError:
            raise Timeout(f"the request took longer than {self.settings.timeout_s:g} s",
                          hint="send fewer or shorter texts, or start the server with a longer --timeout") from None

    async def batched(self, req, task: str, options: tuple, make_run) -> dict:
        texts = check_texts(req.items(), self.settings)

        async def work():
            entry, predictor = await self.load(req.model, task)
            results = await self.batcher((entry.name, task, options), make_run(predictor)).submit(texts)
            return entry.name, results
        name, results = await self.within_time(work())
        return {"model": name, "result": results[0]} if req.text is not None else {"model": name, "results": results}

    async def inspect(self, req: InspectRequest, task: str | None, fn) -> dict:
        if len(req.text) > MAX_INSPECT_CHARS:
            raise InputError(f"text: {len(req.text):,} characters; inspect reads at most {MAX_INSPECT_CHARS:,}",
                             hint="inspect a sentence, not a document")

        async def work():
            name = req.model
            if task is None:   # gates and hidden: any model inspect can read; the default is the classifier's
                task_of = self.registry.entries[name].task if name in self.registry.entries else "classify"
            else:
                task_of = task
            entry, predictor = await self.load(name, task_of)
            return {"model": entry.name, **await self.pool.call(fn, predictor, req.text)}
        return await self.within_time(work())


def create_app(settings: Settings) -> FastAPI:
    server = Server(settings)

    @asynccontextmanager
    async def lifespan(app):
        server.pool = Pool(settings.threads)
        if getattr(settings, "preload", False):
            for entry in server.registry.entries.values():
                await server.pool.call(server.registry.load, entry)
        yield
        server.pool.close()

    app = FastAPI(title="textrnn", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Recurrent networks on text: classify, tag, translate, generate, and look inside.")
    app.state.server = server
    app.add_middleware(JsonBodies)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    _errors(app)
    _routes(app, server)
    static = resources.files("textrnn.serve") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/", include_in_schema=False)
    async def page():
        return FileResponse(str(static / "index.html"))
    return app


def _errors(app: FastAPI) -> None:
    @app.exception_handler(TextrnnError)
    async def user_error(request: Request, e: TextrnnError):
        status = next(code for kind, code in STATUS if isinstance(e, kind))
        headers = {"Retry-After": "1"} if status == 503 else None
        return error(status, e.message, e.hint, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, e: RequestValidationError):
        first = e.errors()[0]
        if first.get("type") == "json_invalid":
            return error(400, f"malformed JSON: {first.get('ctx', {}).get('error', first.get('msg'))}",
                         'send a JSON object, e.g. {"text": "a fine film"}')
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body") or "body"
        if first.get("type") == "extra_forbidden":
            return error(422, f"unknown key {where!r}", "GET /openapi.json lists each endpoint's keys")
        if first.get("type") == "missing" and where == "body":
            return error(400, "the request has no body", 'send a JSON object, e.g. {"text": "a fine film"}')
        if first.get("type") in ("model_attributes_type", "dict_type") and where == "body":
            return error(400, "the body must be a JSON object", 'e.g. {"text": "a fine film"}')
        msg = first.get("msg", "invalid").removeprefix("Value error, ")
        return error(422, f"{where}: {msg}", "GET /openapi.json gives each endpoint's keys and bounds")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, e: HTTPException):
        if e.status_code == 404:
            return error(404, f"no such path: {request.url.path}", "GET / is the page; the API is under /v1 (GET /openapi.json)")
        if e.status_code == 405:
            return error(405, f"{request.method} is not allowed on {request.url.path}",
                         "the /v1 task endpoints take POST with a JSON body", dict(e.headers or {}))
        if e.status_code == 400:   # FastAPI could not read the body (invalid UTF-8)
            return error(400, "malformed JSON: the body is not JSON in UTF-8", 'send a JSON object, e.g. {"text": "a fine film"}')
        return error(e.status_code, str(e.detail))

    @app.exception_handler(Exception)
    async def fault(request: Request, e: Exception):
        print(f"error: {request.method} {request.url.path}: {type(e).__name__}: {e}", file=sys.stderr)
        return error(500, f"internal error ({type(e).__name__})", "the server logged it on stderr; it keeps serving")


def _routes(app: FastAPI, server: Server) -> None:
    s = server.settings

    @app.get("/health")
    async def health():
        return {"status": "ok", "version": __version__, "uptime_s": round(time.time() - server.started, 1),
                "models": len(server.registry.entries),
                "loaded": [n for n, e in server.registry.entries.items() if e.predictor is not None],
                "queued": sum(b.queued for b in server.batchers.values()),
                "batches": sum(b.batches for b in server.batchers.values()),
                "texts": sum(b.texts_run for b in server.batchers.values())}

    @app.get("/v1/models")
    async def models():
        return {"models": server.registry.describe()}

    @app.post("/v1/classify")
    async def classify(req: ClassifyRequest):
        return await server.batched(req, "classify", (), tasks.classify)

    @app.post("/v1/tag")
    async def tag(req: TagRequest):
        return await server.batched(req, "tag", (req.tokenized, req.segmenter),
                                    lambda p: tasks.tag(p, req.tokenized, req.segmenter))

    @app.post("/v1/translate")
    async def translate(req: TranslateRequest):
        if req.beam is not None and req.beam > s.max_beam:
            raise InputError(f"beam: {req.beam}; this server decodes with a beam of at most {s.max_beam}",
                             hint="a beam of 5 is usual")
        key = (req.beam, req.max_len, req.attention)
        return await server.batched(req, "translate", key, lambda p: tasks.translate(p, *key))

    @app.post("/v1/next-word")
    async def next_word(req: NextWordRequest):
        return await server.batched(req, "lm", (req.top_k,), lambda p: tasks.next_word(p, req.top_k))

    @app.post("/v1/generate")
    async def generate(req: GenerateRequest):
        return await _generate(server, req)

    @app.post("/v1/inspect/gates")
    async def inspect_gates(req: InspectRequest):
        return await server.inspect(req, None, tasks.gates)

    @app.post("/v1/inspect/hidden")
    async def inspect_hidden(req: InspectRequest):
        return await server.inspect(req, None, tasks.hidden)

    @app.post("/v1/inspect/attention")
    async def inspect_attention(req: InspectRequest):
        return await server.inspect(req, "translate", tasks.attention)


async def _generate(server: Server, req: GenerateRequest):
    """Sampled text after a prompt; with `stream`, server-sent events as each token is sampled:
    `event: token` / `data: {"token": …}` per token, then `event: done` with the whole text (or
    `event: error` with {"error", "hint"} if it went wrong after the answer had begun)."""
    import torch

    s = server.settings
    if req.max_tokens > s.max_tokens:
        raise InputError(f"max_tokens: {req.max_tokens:,}; this server samples at most {s.max_tokens:,} per request",
                         hint="ask for fewer, or continue from what came back")
    if len(req.prompt) > s.max_chars:
        raise InputError(f"prompt: {len(req.prompt):,} characters; this server takes at most {s.max_chars:,}",
                         hint="give the end of the text: the model hardly looks further back")
    entry, predictor = await server.within_time(server.load(req.model, "lm"))
    generator = torch.Generator().manual_seed(req.seed) if req.seed is not None else None
    pieces = predictor.generate(req.prompt, max_tokens=req.max_tokens, temperature=req.temperature, top_k=req.top_k,
                                top_p=req.top_p, generator=generator)
    if not req.stream:
        text = await server.within_time(server.pool.call(lambda: "".join(pieces)))
        return {"model": entry.name, "prompt": req.prompt, "text": text}

    async def events():
        deadline = time.monotonic() + s.timeout_s
        out = []
        try:
            while True:
                piece = await server.pool.call(next, pieces, None)
                if piece is None:
                    break
                out.append(piece)
                yield f"event: token\ndata: {json.dumps({'token': piece})}\n\n"
                if time.monotonic() > deadline:
                    raise Timeout(f"the request took longer than {s.timeout_s:g} s", hint="ask for fewer tokens")
            yield f"event: done\ndata: {json.dumps({'model': entry.name, 'text': ''.join(out)})}\n\n"
        except TextrnnError as e:
            yield f"event: error\ndata: {json.dumps({'error': e.message, 'hint': e.hint})}\n\n"
    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
