"""User-facing messages in Chinese (default) and English.

Values are Telegram HTML: placeholders that carry user or report text must be escaped by
the caller. Keys missing from a language fall back to Chinese.
"""

from __future__ import annotations

from .memory_messages import MEMORY_MESSAGES

MESSAGES = {
    "zh": {
        "not_found": "报告中没有找到与“{query}”相关的内容。\n可以换个说法再问，或发送 /docs 看看有哪些报告。",
        "samples_note": "（目前还没有导入报告，以下答案来自内置的示例报告。）",
        "related_note": "没有找到直接回答这个问题的内容，以下段落可能相关：",
        "also_in": "相同表述还见于：{titles}",
        "page": "第 {page}/{pages} 页",
        "kind_problem": "只看“存在问题”部分",
        "kind_plan": "只看“下步打算”部分",
        "help": (
            "<b>我能在工作报告里找到有出处的原文。</b>\n"
            "直接发送问题，例如：<i>支部书记签了几份责任书？</i>\n\n"
            "/wording 主题 — 可直接复制的参考提法（也可写 /提法 主题）\n"
            "/problems 主题 — 只查“存在问题”\n"
            "/plans 主题 — 只查“下步打算”\n"
            "/docs [标题中的词] — 报告列表（最新在前），/doc 编号 — 某份报告的目录\n"
            "问题里可以写范围：<i>2021年的打算</i>、<i>述职报告里存在什么问题</i>；/all 取消范围\n\n"
            "答案下方的按钮可以翻页、查看整节原文、复制和评价。\n"
            "在任意聊天中输入 @{bot} 关键词，可以把原文连同出处插入对话。\n"
            "在群里请 @我、回复我的消息或使用命令（如 /ask 问题）。"
        ),
        "help_admin": (
            "\n\n<b>管理员</b>：发送 .docx/.doc/.wps/.pdf/.txt/.md 文件即可导入报告；"
            "/delete 编号 删除报告；/stats 使用统计；/unanswered 没答上或被点 👎 的问题；"
            "/synonym 口语词 报告用词 教会搜索一对同义词；/feedback 看段落评价把哪些段落排前或排后。"
        ),
        "usage_synonym": "/synonym 口语词 报告用词，例如 /synonym 一把手 第一责任人；"
        "/synonym 列出全部；/synonym 删除 口语词 [报告用词]",
        "synonym_added": "已添加同义词：{word} = {synonym}（立即生效）",
        "synonym_exists": "这对同义词已经有了：{word} = {synonym}",
        "synonym_removed": "已删除 {count} 对同义词。",
        "synonym_none": "没有这对同义词：{word}。发送 /synonym 查看全部。",
        "synonyms_list": "<b>团队同义词</b>\n{pairs}",
        "synonyms_empty": "还没有团队自己的同义词。用法：/synonym 一把手 第一责任人",
        "denied": "抱歉，你没有使用权限。你的用户 ID 是 <code>{user_id}</code>，可以发给管理员申请开通。",
        "denied_title": "没有使用权限",
        "rate_limited": "提问有点频繁，请 {seconds} 秒后再试。",
        "rate_limited_title": "请稍后再试",
        "too_long": "问题太长了（{length} 字），请精简到 {limit} 字以内再问。",
        "empty_question": "请直接写下问题，例如：党员发展有哪些做法？",
        "greeting": "你好！直接发送问题，我在工作报告里找有出处的原文，例如：支部书记签了几份责任书？发送 /help 查看用法。",
        "thanks": "不客气！还有问题直接发送就行，发送 /help 查看用法。",
        "unsupported": "我只能读文字消息。请用文字提问，或发送 /help 查看用法。",
        "edited": "我不处理修改过的消息，请把问题重新发送一次。",
        "unknown_command": "没有这个命令：{command}。发送 /help 查看可用命令。",
        "no_button": "没有这个按钮：{label}。#数字 按下上一条回复里的按钮，发送 /help 查看可用命令。",
        "usage": "用法：{usage}",
        "usage_wording": "/wording 主题（或 /提法 主题），例如 /wording 作风建设",
        "usage_problems": "/problems 主题，例如 /problems 党员教育",
        "usage_plans": "/plans 主题，例如 /plans 基层组织建设",
        "usage_doc": "/doc 编号，例如 /doc 1（编号见 /docs）",
        "usage_delete": "/delete 编号，例如 /delete 3（编号见 /docs）",
        "wording_header": "<b>“{topic}”的参考提法</b>（点按文字即可复制）",
        "placeholder_note": "<i>X、XX 是原文中的占位符，使用时请替换。</i>",
        "expired": "这个按钮已失效，请重新提问。",
        "gone": "这部分内容已被删除，请重新提问或发送 /docs。",
        "vote_up": "谢谢，已记录 👍",
        "vote_down": "已记录 👎，我们会补充材料。",
        "docs_header": "共 {count} 份报告（{page}）。点按查看目录：",
        "docs_empty": "还没有导入报告。",
        "docs_none_titled": "没有标题含“{word}”的报告。发送 /docs 查看全部。",
        "doc_line": "[{doc_id}] {title} · {year} · {sections} 节",
        "outline_hint": "点按下方按钮查看某一节原文（{page}）。",
        "opening": "（开头部分）",
        "no_such_doc": "没有编号为 {doc_id} 的报告。发送 /docs 查看报告列表。",
        "sample_read_only": "[{doc_id}] 是内置的示例报告，不能删除或修改；导入自己的报告后示例就不再使用。",
        "admin_only": "只有管理员可以使用这个功能。",
        "upload_private": "请在与我的私聊中发送文件。",
        "upload_type": "不支持这种文件：{name}。请发送 .docx、.doc、.wps、.pdf、.txt 或 .md 文件。",
        "upload_too_big": "文件太大（{size} MB），上限是 {limit} MB。",
        "upload_over_limit": "文件太大，上限是 {limit} MB。",
        "ingest_removed": "同名的旧版本 [{doc_id}] 已删除。",
        "ingest_added": "已导入：<b>[{doc_id}] {title}</b>\n{parts} 部分，{sections} 节，{chunks} 段。",
        "ingest_replaced": "已更新：<b>[{doc_id}] {title}</b>\n{parts} 部分，{sections} 节，{chunks} 段。",
        "ingest_unchanged": "这份报告之前已导入：<b>[{doc_id}] {title}</b>",
        "ingest_failed": "导入失败：{reason}",
        "ingest_flat": "注意：没有识别出标题层级，整份文件成为一节。",
        "ingest_tables": "注意：这份文件以表格为主（{count}/{total} 行是表格行），请检查表格行是否便于引用。",
        "ingest_ocr": "注意：有 {count}/{total} 页的文字来自 OCR 识别，请抽查段落是否准确。",
        "delete_confirm": "确定删除 <b>[{doc_id}] {title}</b> 吗？删除后无法恢复。",
        "deleted": "已删除：[{doc_id}] {title}",
        "cancelled": "已取消。",
        "stats": (
            "<b>使用统计</b>\n报告 {documents} 份，段落 {chunks} 个\n"
            "近 7 天提问 {recent} 次（共 {queries} 次），没答上 {unanswered} 次\n"
            "👍 {upvotes}  👎 {downvotes}"
        ),
        "top_queries": "<b>常问</b>：{queries}",
        "unanswered_header": "<b>最近没答上或被点 👎 的问题</b>",
        "unanswered_none": "最近没有没答上的问题。",
        "unanswered_line": "{time} {query}（{why}）",
        "why_empty": "无结果",
        "why_related": "只有相关段落",
        "why_down": "👎 {count}",
        "asked_times": "问了 {count} 次，{why}",
        "btn_more": "更多 ▼",
        "digest_header": "📊 <b>每周小结</b>",
        "error": "出了点问题，请稍后再试。",
        "unavailable": "暂时无法处理，请稍后再试。",
        "btn_prev": "◀ 上一页",
        "btn_next": "下一页 ▶",
        "btn_section": "📄 {n}",
        "btn_copy": "📋 {n}",
        "btn_copy_section": "📋 复制全文",
        "btn_docs": "◀ 报告列表",
        "btn_outline": "◀ 返回目录",
        "btn_delete": "确认删除",
        "btn_cancel": "取消",
        "btn_inline": "在其他聊天中引用",
        "cmd_start": "开始使用",
        "cmd_help": "用法说明",
        "cmd_ask": "提问（群里用）",
        "cmd_wording": "参考提法，可复制",
        "cmd_problems": "只查存在问题",
        "cmd_plans": "只查下步打算",
        "cmd_docs": "报告列表",
        "cmd_doc": "某份报告的目录",
        "passage_up": "已记录 👍：类似的问题以后会把这段排在前面。",
        "passage_down": "已记录 👎：类似的问题以后会把这段排在后面。",
        "votes_header": "<b>最近的段落评价</b>（排名：不计评价 → 计入评价）",
        "votes_none": "还没有人评价过段落。",
        "vote_line": "{mark} “{query}” → 段落 {chunk}（{where}），{voter}：第 {before} → 第 {after} 名",
        "vote_gone": "已删除",
        "cmd_feedback": "段落评价如何影响排名",
        "scope_line": "只看：{filters}",
        "scope_doc": "《{title}》",
        "scope_year": "{year}年",
        "scope_missing_year": "没有{year}年的报告，以下来自其他年份",
        "scope_kind_work": "工作情况",
        "scope_kind_problem": "存在问题",
        "scope_kind_plan": "下步打算",
        "btn_unscope": "✖ 不限范围",
        "btn_scope_doc": "🔎 在这份报告里搜",
        "btn_end_scope": "✖ 取消范围",
        "scoped": "之后的问题只在《{title}》里找。发送 /all 或点下方按钮取消。",
        "unscoped": "已取消范围，之后的问题在全部报告里找。",
        "cmd_all": "在全部报告里搜（取消范围）",
    },
    "en": {
        "not_found": "Nothing in the reports matches “{query}”.\n"
        "Try other words, or send /docs to see which reports exist.",
        "samples_note": "(No reports ingested yet: these answers come from the built-in samples.)",
        "related_note": "Nothing answers this directly; these passages may be related:",
        "also_in": "Same wording also in: {titles}",
        "page": "page {page}/{pages}",
        "kind_problem": "problem sections only",
        "kind_plan": "plan sections only",
        "help": (
            "<b>I find cited passages in the work reports.</b>\n"
            "Just send a question, e.g. <i>支部书记签了几份责任书？</i>\n\n"
            "/wording TOPIC — copy-ready example wording (or /提法 TOPIC)\n"
            "/problems TOPIC — only “problems” sections\n"
            "/plans TOPIC — only “next steps” sections\n"
            "/docs [word] — list of reports (newest first), /doc N — outline of one report\n"
            "Name a scope in the question: <i>2021年的打算</i>, <i>述职报告里存在什么问题</i>; /all ends one\n\n"
            "Buttons under an answer page, open the whole section, copy and rate.\n"
            "In any chat, type @{bot} and keywords to insert a passage with its source.\n"
            "In groups, mention me, reply to me or use a command (e.g. /ask QUESTION)."
        ),
        "help_admin": (
            "\n\n<b>Admins</b>: send a .docx/.doc/.wps/.pdf/.txt/.md file to ingest it; /delete N removes a "
            "report; /stats usage figures; /unanswered questions without results or with 👎; "
            "/synonym WORD OFFICIAL teaches search a synonym; /feedback shows what passage votes moved."
        ),
        "usage_synonym": "/synonym WORD OFFICIAL, e.g. /synonym 一把手 第一责任人; /synonym lists "
        "them; /synonym remove WORD [OFFICIAL]",
        "synonym_added": "Synonym added: {word} = {synonym} (live now)",
        "synonym_exists": "Already known: {word} = {synonym}",
        "synonym_removed": "Removed {count} pair(s).",
        "synonym_none": "There is no such pair: {word}. Send /synonym to list them.",
        "synonyms_list": "<b>Team synonyms</b>\n{pairs}",
        "synonyms_empty": "No team synonyms yet. Usage: /synonym 一把手 第一责任人",
        "denied": "Sorry, you may not use this bot. Your user id is <code>{user_id}</code>; "
        "send it to an admin to get access.",
        "denied_title": "Not allowed",
        "rate_limited": "That is a lot of questions: please try again in {seconds} s.",
        "rate_limited_title": "Please wait a moment",
        "too_long": "The question is too long ({length} characters); please keep it under {limit}.",
        "empty_question": "Please write a question, e.g. 党员发展有哪些做法？",
        "greeting": "Hello! Send a question and I will find cited passages in the reports, e.g. 支部书记签了几份责任书？ Send /help for more.",
        "thanks": "You are welcome! Send another question any time, or /help for more.",
        "unsupported": "I can only read text. Ask in words, or send /help.",
        "edited": "I don't follow edited messages: please send the question again.",
        "unknown_command": "There is no command {command}. Send /help to see the commands.",
        "no_button": (
            "There is no button {label}. #N presses button N of the last reply; "
            "send /help to see the commands."
        ),
        "usage": "Usage: {usage}",
        "usage_wording": "/wording TOPIC (or /提法 TOPIC), e.g. /wording 作风建设",
        "usage_problems": "/problems TOPIC, e.g. /problems 党员教育",
        "usage_plans": "/plans TOPIC, e.g. /plans 基层组织建设",
        "usage_doc": "/doc N, e.g. /doc 1 (numbers from /docs)",
        "usage_delete": "/delete N, e.g. /delete 3 (numbers from /docs)",
        "wording_header": "<b>Example wording for “{topic}”</b> (tap a passage to copy it)",
        "placeholder_note": "<i>X and XX are placeholders from the original; replace them.</i>",
        "expired": "This button has expired; please ask again.",
        "gone": "That passage has been deleted; ask again or send /docs.",
        "vote_up": "Thanks, noted 👍",
        "vote_down": "Noted 👎 — we will add material.",
        "docs_header": "{count} reports ({page}). Tap one for its outline:",
        "docs_empty": "No reports ingested yet.",
        "docs_none_titled": "No report title contains “{word}”. Send /docs for all of them.",
        "doc_line": "[{doc_id}] {title} · {year} · {sections} sections",
        "outline_hint": "Tap a button below to read a section ({page}).",
        "opening": "(opening)",
        "no_such_doc": "There is no report {doc_id}. Send /docs for the list.",
        "sample_read_only": "[{doc_id}] is a built-in sample report: it cannot be deleted or changed; once you ingest your own reports the samples are no longer used.",
        "admin_only": "Only admins can do that.",
        "upload_private": "Please send files in a private chat with me.",
        "upload_type": "Unsupported file: {name}. Please send a .docx, .doc, .wps, .pdf, .txt or .md file.",
        "upload_too_big": "The file is too big ({size} MB); the limit is {limit} MB.",
        "upload_over_limit": "The file is too big; the limit is {limit} MB.",
        "ingest_removed": "The older version under this name, [{doc_id}], was deleted.",
        "ingest_added": "Ingested: <b>[{doc_id}] {title}</b>\n{parts} parts, {sections} sections, "
        "{chunks} passages.",
        "ingest_replaced": "Updated: <b>[{doc_id}] {title}</b>\n{parts} parts, {sections} "
        "sections, {chunks} passages.",
        "ingest_unchanged": "Already ingested: <b>[{doc_id}] {title}</b>",
        "ingest_failed": "Ingest failed: {reason}",
        "ingest_flat": "Note: no headings found, the whole file became one section.",
        "ingest_tables": "Note: mostly tables ({count} of {total} lines are table rows); check that the rows read well.",
        "ingest_ocr": "Note: the text of {count} of {total} pages came from OCR; spot-check the passages.",
        "delete_confirm": "Delete <b>[{doc_id}] {title}</b>? This cannot be undone.",
        "deleted": "Deleted: [{doc_id}] {title}",
        "cancelled": "Cancelled.",
        "stats": (
            "<b>Usage</b>\n{documents} reports, {chunks} passages\n"
            "{recent} questions in the last 7 days ({queries} in all), {unanswered} unanswered\n"
            "👍 {upvotes}  👎 {downvotes}"
        ),
        "top_queries": "<b>Asked most</b>: {queries}",
        "unanswered_header": "<b>Recent questions without results or with 👎</b>",
        "unanswered_none": "No unanswered questions lately.",
        "unanswered_line": "{time} {query} ({why})",
        "why_empty": "no results",
        "why_related": "related passages only",
        "why_down": "👎 {count}",
        "asked_times": "asked {count} times, {why}",
        "btn_more": "More ▼",
        "digest_header": "📊 <b>Weekly digest</b>",
        "error": "Something went wrong; please try again later.",
        "unavailable": "Cannot handle this right now; please try again later.",
        "btn_prev": "◀ Previous",
        "btn_next": "Next ▶",
        "btn_section": "📄 {n}",
        "btn_copy": "📋 {n}",
        "btn_copy_section": "📋 Copy all",
        "btn_docs": "◀ Reports",
        "btn_outline": "◀ Back to outline",
        "btn_delete": "Delete",
        "btn_cancel": "Cancel",
        "btn_inline": "Quote in another chat",
        "cmd_start": "Start",
        "cmd_help": "How to use the bot",
        "cmd_ask": "Ask (in groups)",
        "cmd_wording": "Copy-ready example wording",
        "cmd_problems": "Search problem sections",
        "cmd_plans": "Search plan sections",
        "cmd_docs": "List the reports",
        "cmd_doc": "Outline of one report",
        "passage_up": "Noted 👍: similar questions will rank this passage higher.",
        "passage_down": "Noted 👎: similar questions will rank this passage lower.",
        "votes_header": "<b>Latest passage votes</b> (rank without → with the votes)",
        "votes_none": "Nobody has voted on a passage yet.",
        "vote_line": "{mark} “{query}” → passage {chunk} ({where}), {voter}: #{before} → #{after}",
        "vote_gone": "deleted",
        "cmd_feedback": "How passage votes move the ranking",
        "scope_line": "Only: {filters}",
        "scope_doc": "“{title}”",
        "scope_year": "{year}",
        "scope_missing_year": "No report covers {year}; these are from other years",
        "scope_kind_work": "work sections",
        "scope_kind_problem": "problem sections",
        "scope_kind_plan": "plan sections",
        "btn_unscope": "✖ Search everything",
        "btn_scope_doc": "🔎 Search in this report",
        "btn_end_scope": "✖ Stop searching here",
        "scoped": "From now on I search only “{title}”. Send /all or tap below to stop.",
        "unscoped": "Searching all reports again.",
        "cmd_all": "Search all reports (end a scope)",
    },
}


def message(lang: str, key: str, **values: object) -> str:
    """A message in the configured language, falling back to Chinese."""
    table = MESSAGES.get(lang, MESSAGES["zh"])
    return table.get(key, MESSAGES["zh"][key]).format(**values)


for _lang, _table in MEMORY_MESSAGES.items():
    MESSAGES[_lang].update(_table)
