"""Messages of the team-memory features (compare, reuse, facts, drafts), merged into
bot/messages.py; same rules: values are Telegram HTML, callers escape report text."""

from __future__ import annotations

MEMORY_MESSAGES = {
    "zh": {
        "help_memory": (
            "\n\n/compare 主题 — 同一单位逐年对比，标出与往年相同的原文\n"
            "/draft 主题 — 点 ➕ 挑选段落，再点“生成草稿”得到 Word 文件\n"
            "/reuse 编号 — 这份报告有多少句子与更早的报告相同\n"
            "问“一共多少次”“几名”时，答案后会列出报告中的数字。"
        ),
        "usage_compare": "/compare 主题，例如 /compare 党风廉政建设",
        "usage_draft": "/draft 主题，例如 /draft 党风廉政建设",
        "usage_reuse": "/reuse 编号，例如 /reuse 3（编号见 /docs）",
        "compare_none": "没有找到同一单位多个年度关于“{topic}”的报告内容。",
        "compare_header": "<b>{org}：“{topic}”逐年对比</b>（新的在前）",
        "compare_year": "<b>{year}年</b> · [{doc_id}] {title}",
        "compare_new": "🆕 新内容",
        "compare_repeated": "🔁 与{year}年原文相同",
        "compare_partly": "♻️ 部分沿用往年（{repeated}/{sentences} 句相同）",
        "reuse_header": "<b>[{doc_id}] {title}</b>\n有 {share}% 的句子（{repeated}/{sentences}）与更早的报告一字不差。",
        "reuse_none": "<b>[{doc_id}] {title}</b>\n没有与更早报告一字不差的句子。",
        "reuse_passage": "🔁 {text}\n<i>— 来自 [{source_id}] {source}</i>",
        "facts_line": "📊 报告中的数字：{figures}",
        "facts_sum": "合计 {total}",
        "facts_no_sum_placeholder": "不合计：有数字是占位符 X/XX",
        "facts_no_sum_units": "不合计：单位不一致",
        "facts_no_sum_orgs": "不合计：数字来自不同单位的报告",
        "draft_hint": "<i>点 ➕ 把段落加入草稿，再点“生成草稿”得到 Word 文件。</i>",
        "draft_added": "已加入草稿（共 {count} 段）",
        "draft_removed": "已移出草稿（共 {count} 段）",
        "draft_empty": "草稿里还没有段落：先点段落下方的 ➕。",
        "draft_caption": "“{topic}”草稿，{count} 段，占位符 X/XX 已标黄。",
        "btn_pick": "➕ {n}",
        "btn_draft": "📝 生成草稿",
        "btn_reuse": "🔁 与往年重复",
        "cmd_compare": "同一单位逐年对比",
        "cmd_draft": "挑选段落生成 Word 草稿",
    },
    "en": {
        "help_memory": (
            "\n\n/compare TOPIC — one organisation year by year, repeated wording marked\n"
            "/draft TOPIC — tap ➕ to pick passages, then “make draft” for a Word file\n"
            "/reuse N — how much of report N repeats earlier reports\n"
            "Ask “how many” and the answer lists the figures in the reports."
        ),
        "usage_compare": "/compare TOPIC, e.g. /compare 党风廉政建设",
        "usage_draft": "/draft TOPIC, e.g. /draft 党风廉政建设",
        "usage_reuse": "/reuse N, e.g. /reuse 3 (numbers in /docs)",
        "compare_none": "No organisation has reports of several years on “{topic}”.",
        "compare_header": "<b>{org}: “{topic}” year by year</b> (newest first)",
        "compare_year": "<b>{year}</b> · [{doc_id}] {title}",
        "compare_new": "🆕 new",
        "compare_repeated": "🔁 same words as {year}",
        "compare_partly": "♻️ partly earlier wording ({repeated}/{sentences} sentences)",
        "reuse_header": "<b>[{doc_id}] {title}</b>\n{share}% of its sentences ({repeated}/{sentences}) repeat earlier reports word for word.",
        "reuse_none": "<b>[{doc_id}] {title}</b>\nNo sentence repeats an earlier report word for word.",
        "reuse_passage": "🔁 {text}\n<i>— from [{source_id}] {source}</i>",
        "facts_line": "📊 Figures in the reports: {figures}",
        "facts_sum": "sum: {total}",
        "facts_no_sum_placeholder": "no sum: a figure is a placeholder (X/XX)",
        "facts_no_sum_units": "no sum: the units differ",
        "facts_no_sum_orgs": "no sum: the figures come from different organisations' reports",
        "draft_hint": "<i>Tap ➕ to add a passage to the draft, then “make draft” for a Word file.</i>",
        "draft_added": "Added to the draft ({count} passages)",
        "draft_removed": "Removed from the draft ({count} passages)",
        "draft_empty": "The draft is empty: tap ➕ under a passage first.",
        "draft_caption": "Draft on “{topic}”, {count} passages, placeholders X/XX highlighted.",
        "btn_pick": "➕ {n}",
        "btn_draft": "📝 make draft",
        "btn_reuse": "🔁 repeats",
        "cmd_compare": "One organisation, year by year",
        "cmd_draft": "Pick passages for a Word draft",
    },
}
