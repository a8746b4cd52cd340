"""One error tree: every exception PromptGen raises is in errors.py, and both edges report it.

The package is imported whole first, so an error class defined anywhere is seen here (a test that
only looked at ``errors.__subclasses__()`` would miss the ones in modules not yet imported).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import promptgen
from promptgen import errors
from promptgen.cli import app as cli
from promptgen.engine import PromptGen
from promptgen.server.errors import install_error_handlers


def _every_module() -> list[str]:
    return [
        m.name
        for m in pkgutil.walk_packages(promptgen.__path__, "promptgen.")
        if not m.name.endswith("__main__")  # it runs the CLI
    ]


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def _error_classes() -> list[type[errors.PromptGenError]]:
    for name in _every_module():
        importlib.import_module(name)
    return [errors.PromptGenError, *_subclasses(errors.PromptGenError)]


ERRORS = _error_classes()


def test_every_exception_class_of_the_package_is_in_errors_py() -> None:
    elsewhere = [
        f"{cls.__module__}.{cls.__qualname__}"
        for name in _every_module()
        for _, cls in inspect.getmembers(importlib.import_module(name), inspect.isclass)
        if issubclass(cls, BaseException)
        and cls.__module__ == name  # defined there, not imported
        and name != "promptgen.errors"
    ]
    assert elsewhere == []
    assert {cls.__module__ for cls in ERRORS} == {"promptgen.errors"}


def test_every_error_has_a_unique_code_and_a_status() -> None:
    codes = [c.code for c in ERRORS]
    assert len(codes) == len(set(codes)), codes
    for cls in ERRORS:
        assert 400 <= cls.status < 600
        err = cls("what went wrong")
        assert err.message == "what went wrong"
        assert str(err) == "what went wrong"


@pytest.fixture(scope="module")
def raising_app() -> TestClient:
    """A bare app with the service's error handlers and one route that raises any error."""
    app = FastAPI()
    app.state.logger = None
    install_error_handlers(app)
    by_name = {cls.__name__: cls for cls in ERRORS}

    @app.get("/raise/{name}")
    def raise_it(name: str) -> None:
        raise by_name[name](f"{name} happened")

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_the_http_edge_answers_each_error_in_the_one_shape(
    cls: type[errors.PromptGenError], raising_app: TestClient
) -> None:
    response = raising_app.get(f"/raise/{cls.__name__}")
    assert response.status_code == cls.status
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "request_id"}
    assert body["error"]["code"] == cls.code
    assert body["error"]["message"] == f"{cls.__name__} happened"
    if cls is errors.RateLimited:
        assert response.headers["Retry-After"] == "1"
    if cls.status == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_the_cli_edge_prints_each_error_as_one_line_and_exits_1(
    cls: type[errors.PromptGenError], monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(self: PromptGen, *args: object, **kwargs: object) -> None:
        raise cls(f"{cls.__name__} happened")

    monkeypatch.setattr(PromptGen, "__init__", fail)
    result = CliRunner().invoke(cli, ["precompute", "how do we deploy?"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"error: {cls.__name__} happened"]
    assert "Traceback" not in result.output
