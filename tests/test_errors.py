"""Every error carries a stable code and an HTTP status."""

from promptgen import errors


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def test_every_error_has_a_unique_code_and_a_status() -> None:
    classes = [errors.PromptGenError, *_subclasses(errors.PromptGenError)]
    codes = [c.code for c in classes]
    assert len(codes) == len(set(codes)), codes
    for cls in classes:
        assert 400 <= cls.status < 600
        err = cls("what went wrong")
        assert err.message == "what went wrong"
        assert str(err) == "what went wrong"
