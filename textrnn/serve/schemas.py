"""The JSON bodies the endpoints take. Shaped like the Python API (`textrnn.load(name).predict`):
the model by name (each task has a default), then one `text` or a list of `texts`.

Unknown keys are refused (a misspelt `temprature` must not be ignored in silence). Bounds that
the operator sets at start (texts per request, characters per text) are checked in app.py.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Texts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: Optional[str] = Field(None, description="A model this server serves (GET /v1/models); default: the task's.")
    text: Optional[str] = Field(None, description="One text. The answer then has `result`.")
    texts: Optional[list[str]] = Field(None, description="Several texts. The answer then has `results`, one per text, in order.")

    @model_validator(mode="after")
    def one_of_text_or_texts(self):
        if (self.text is None) == (self.texts is None):
            raise ValueError('give either "text" (one string) or "texts" (a list of strings)')
        return self

    def items(self) -> list[str]:
        return [self.text] if self.text is not None else list(self.texts)


class ClassifyRequest(Texts):
    pass


class TagRequest(Texts):
    tokenized: bool = Field(False, description="Split on whitespace only (the text is already tokens).")
    segmenter: Literal["auto", "rules"] = Field(
        "auto", description="Raw English text: `auto` splits it into sentences and words with the shipped "
                            "segmenter; `rules` by the rules of the model's training corpus, a line as one sentence.")


class TranslateRequest(Texts):
    beam: Optional[int] = Field(None, ge=1, description="Beam width (1: greedy); default: the model's.")
    max_len: Optional[int] = Field(None, ge=1, le=1024, description="Pieces per translation at most.")
    attention: bool = Field(False, description="Also return the attention weights (target × source).")


class NextWordRequest(Texts):
    top_k: int = Field(5, ge=1, le=100, description="How many next words, most probable first.")


class GenerateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: Optional[str] = None
    prompt: str = Field("", description="The text to continue; empty: a new text from nothing (one-to-many).")
    max_tokens: int = Field(100, ge=1, description="Tokens (words or characters) to sample.")
    temperature: float = Field(1.0, ge=0, le=10, description="Below 1: safer; above 1: wilder; 0: greedy.")
    top_k: int = Field(0, ge=0, description="Sample among the k most probable tokens (0: all).")
    top_p: float = Field(1.0, gt=0, le=1, description="Nucleus sampling: the smallest set with this much probability.")
    seed: Optional[int] = Field(None, ge=0, description="The same seed gives the same text.")
    stream: bool = Field(False, description="Answer as server-sent events, one `token` event per token, then `done`.")


class InspectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: Optional[str] = None
    text: str = Field(..., description="One text to read.")
