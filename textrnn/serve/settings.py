"""What the operator chose when starting the server: one frozen dataclass, passed explicitly.

Every limit has a default a single user on a laptop never meets and a command-line option to
change it (`textrnn serve --help`). The server never reads a path from a request: the only models
it can load are those named here, at start.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from textrnn.errors import InputError

DEFAULT_MODELS = {           # the model an endpoint uses when the request names none
    "classify": "sentiment",
    "tag": "ner",
    "translate": "de-en",
    "lm": "wikitext2",
}


@dataclass(frozen=True)
class Settings:
    models: dict[str, str] = field(default_factory=dict)   # name a request uses → shipped name or directory
    max_body_bytes: int = 1_000_000    # a larger request body: 413
    max_texts: int = 256               # texts in one request: 422 beyond
    max_chars: int = 10_000            # characters in one text: 422 beyond
    timeout_s: float = 30.0            # a request that takes longer: 504
    max_queue: int = 4_096             # texts waiting for one model; more: 503 with Retry-After
    batching: bool = True              # gather concurrent requests into one forward pass
    max_batch: int = 64                # texts in one gathered forward pass
    max_wait_ms: float = 5.0           # how long the first request of a batch waits for company
    threads: int = 2                   # forward passes that run at once (one torch thread each)
    max_tokens: int = 1_000            # generate: tokens per request
    max_beam: int = 16                 # translate: beam width
    preload: bool = False              # load every model at start (else: on first use)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "Settings":
        return cls(**json.loads(text))


def parse_models(spec: str, shipped: list[str]) -> dict[str, str]:
    """`--models`: `all` (every shipped model), or a comma list of shipped names and NAME=DIRECTORY
    pairs for models of one's own (`sentiment,mine=runs/x/model`)."""
    names: dict[str, str] = {}
    for item in (s.strip() for s in spec.split(",")):
        if not item:
            continue
        if item == "all":
            names.update({n: n for n in shipped})
        elif "=" in item:
            name, path = (s.strip() for s in item.split("=", 1))
            if not name or not path:
                raise InputError(f"--models: {item!r} is not NAME=DIRECTORY", hint="e.g. --models sentiment,mine=runs/x/model")
            names[name] = path
        elif item in shipped:
            names[item] = item
        else:
            raise InputError(f"--models: unknown model {item!r}; choose from: all, {', '.join(shipped)}",
                             hint="a model of your own is served as NAME=DIRECTORY, e.g. mine=runs/x/model")
    if not names:
        raise InputError("--models names no model", hint="--models all serves every shipped model")
    return names
