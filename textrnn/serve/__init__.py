"""`textrnn serve`: the models over HTTP, and a page that shows them at work.

    settings.py   what the operator chose at start: models, limits, batching (one frozen dataclass)
    registry.py   the models a request may name, loaded once on first use and kept in memory
    batching.py   dynamic batching: concurrent requests to one model gathered into one forward pass
    schemas.py    the JSON bodies each endpoint takes (pydantic: the OpenAPI schema comes from them)
    tasks.py      what each endpoint runs on a model, and the JSON it answers
    app.py        the FastAPI application: routes, limits, and errors as JSON {"error", "hint"}
    static/       the page (plain HTML, CSS and JavaScript: no build step, no CDN)

Why FastAPI on uvicorn: a well-kept ASGI stack whose request models give validation and an
OpenAPI schema for free (`GET /openapi.json`, `GET /docs` needs a CDN and is off), with
Starlette's streaming responses for server-sent events underneath. The models' forward passes
run in a thread pool (torch releases the GIL), so the event loop keeps taking requests while a
batch runs.
"""
