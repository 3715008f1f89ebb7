"""User-facing messages in Chinese (default) and English."""

from __future__ import annotations

MESSAGES = {
    "zh": {
        "not_found": "报告中没有找到与“{query}”相关的内容。\n可以换个说法再问，或发送 /docs 看看有哪些报告。",
        "samples_note": "（目前还没有导入报告，以下答案来自内置的示例报告。）",
        "also_in": "相同表述还见于：{titles}",
    },
    "en": {
        "not_found": "Nothing in the reports matches “{query}”.\n"
                     "Try other words, or send /docs to see which reports exist.",
        "samples_note": "(No reports ingested yet: these answers come from the built-in samples.)",
        "also_in": "Same wording also in: {titles}",
    },
}


def message(lang: str, key: str, **values: object) -> str:
    """A message in the configured language, falling back to Chinese."""
    table = MESSAGES.get(lang, MESSAGES["zh"])
    return table.get(key, MESSAGES["zh"][key]).format(**values)
