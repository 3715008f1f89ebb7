"""Files derived from installed data in the temp folder: read back equal, rebuilt when
garbled, never taken from another user."""

from __future__ import annotations

import json
import os
import tempfile

import pytest

from reportbot.retrieval import synonyms
from reportbot.retrieval.derived import derived_stem


@pytest.fixture
def temp_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def derived_file() -> str:
    return derived_stem("cilin", synonyms._cilin_data()) + ".json"


def test_cilin_read_back_from_its_derived_file_is_cilin(temp_folder):
    walked = synonyms._exact_synonyms(synonyms._cilin_data())
    assert walked and not os.path.exists(derived_file())
    assert synonyms._load_cilin() == walked  # derived and written
    assert os.path.dirname(derived_file()) == str(temp_folder)
    assert synonyms._load_cilin() == walked  # read back


def test_a_garbled_derived_file_is_derived_again(temp_folder):
    walked = synonyms._exact_synonyms(synonyms._cilin_data())
    with open(derived_file(), "w", encoding="utf-8") as f:
        f.write('{"党建": ["')
    assert synonyms._load_cilin() == walked
    with open(derived_file(), encoding="utf-8") as f:
        assert len(json.load(f)) == len(walked)


@pytest.mark.skipif(os.getuid() != 0, reason="only root can give a file to another user")
def test_another_users_derived_file_is_not_read(temp_folder):
    with open(derived_file(), "w", encoding="utf-8") as f:
        json.dump({"开会": ["假的"]}, f, ensure_ascii=False)
    os.chown(derived_file(), 12345, 12345)
    assert "假的" not in synonyms._load_cilin().get("开会", ())
