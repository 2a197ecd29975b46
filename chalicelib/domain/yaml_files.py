"""Configuration files: YAML text + the pydantic model it must satisfy -> the model, or one error naming the
file, each place inside it and what is wrong there."""

from __future__ import annotations

from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


def _problem(error: Any) -> str:
    """One validation error as `path: what is wrong` (file-wide checks put the path in the message)."""
    message = str(error["msg"]).removeprefix("Value error, ")
    if not error["loc"]:
        return message if error["type"] == "value_error" else f"(top level): {message}"
    return ".".join(str(part) for part in error["loc"]) + f": {message}"


def load_yaml_model(text: str, source: str, model: type[Model], error: type[ValueError]) -> Model:
    """Parse `text` (the file `source`) as YAML and validate it as `model`; problems raise `error`."""
    try:
        raw: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(f"{source}: not valid YAML: {exc}") from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise error(f"{source}: " + "; ".join(_problem(e) for e in exc.errors())) from exc
