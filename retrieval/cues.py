"""What a question asks for (a count, a date, a plan …) and what a passage can supply.

Patterns over normalised, space-free text (NFKC: full-width ；becomes ;, digits are ASCII,
placeholders are lower-case x). Ranking uses them as answer-type evidence; question
analysis uses the plan and problem cue words to weigh them as cues, not as topics.
"""

from __future__ import annotations

import re

ASKS_DEFINITION = re.compile(
    r"是什么|什么是|指什么|是指|指的是|内容是|具体是|啥是|是啥|啥意思|什么意思|含义"
)
# A request for wording on a topic: any passage carrying the topic answers it.
ASKS_WORDING = re.compile(
    r"提法|说法|表述|写法|咋写|怎么写|如何写|句子|句话|那句|一句|那段|段话|排比|范文|模板|咋说|怎么说|措辞"
)
# "有没有四个“同”那种句子", "几个真字排一起": parallel wording asked for by the character
# its phrases repeat
ASKS_REPEATED = re.compile(r"([两三四五六七八九十几多]+)个(?:[“\"「‘'](\w)[”\"」’']|(\w)字)")
# "A和B有啥区别" needs a passage that sets the two apart; a work report seldom does.
ASKS_CONTRAST = re.compile(r"区别|差别|异同|不同之处|有啥不同|有什么不同|不一样")
HAS_CONTRAST = re.compile(r"区别|差别|不同于|有别于|相比|而不是|而非|不同的是")
ASKS_LIST = re.compile(r"哪些|哪几|哪[两三四五六七八九十]|有哪|包括|包含|都有啥|都有什么|都是啥")
# "是哪五样": a named set, and (as a question word) its size, which is a cue, not a topic
ASKS_NAMED_SET = re.compile(r"是?哪([两三四五六七八九十])")
SET_SIZE = re.compile(r"[两三四五六七八九十]+[样个项条点种块类]")
HAS_LIST = re.compile(r"、.*、|[一二三四五六七八九十]是.*[二三四五六七八九十]是|[;；].*[;；]")
ASKS_COUNT = re.compile(r"多少|几[次回个名份项场位家件篇条期批人遍天年届]|数量|规模|一共|总共|共计")
ASKS_MEASURE = re.compile(
    r"(?:几|多少)(学时|[次回场期名位人个份项件篇条家所批支本元户处座届钱分岁])"
)
ASKS_DATE = re.compile(
    r"哪天|哪一天|什么时候|啥时候|何时|哪年|哪月|几月|几号|日期|每周|每月|礼拜|星期"
)
# "一个月搞几次": a count per period, answered by a rhythm too (每月, 每季度一次)
ASKS_PER_PERIOD = re.compile(r"(?:一|每|1)个?(?:月|周|星期|礼拜|季度|年)")
ASKS_SPAN = re.compile(r"多久|多长时间|多长|几年|多少年|几个月|多少天|几天|几周")
ASKS_PLAN = re.compile(r"明年|下一步|下步|打算|计划|今后|以后|将来|准备|安排|来年|思路")
ASKS_PROBLEM = re.compile(r"问题|不足|短板|毛病|缺点|差距|薄弱|不够|短处|没做好|做得不好")
HAS_COUNT = re.compile(
    r"(\d+|x+|[一二两三四五六七八九十百千万]+)(余|多)?[次名个人场期篇份件项家所万元条批支户位届轮]"
    r"|(\d+|x+)(\.\d+)?%|百分之"
)
HAS_DATE = re.compile(
    r"(\d+|x+|[一二三四五六七八九十]+)[年月日号]|每[年月周季]|年[初中底]|[上下]半年|周[一二三四五六日]|季度"
)
# "按规定…多久一次", "不少于多少学时", "必须轮岗": a rule, answered only by a passage that
# states one, not by one reporting what was done.
ASKS_RULE = re.compile(r"按规定|规定[的要]|一般|必须|不少于|至少|才能|限制|满[几多]|标准是")
HAS_RULE = re.compile(r"规定|要求|不少于|不低于|至少|不得|必须|应当|须|原则上|一律|标准")
# A span of time, or for "多久一次" the rhythm that answers it (每季度, 定期).
HAS_SPAN = re.compile(
    r"(?<!\d)(\d{1,2}|x+|[一二两三四五六七八九十半]+)个?(年|月|天|周|日|小时|学时)"
    r"|每[年月周日天季]|每个?季度|定期"
)


def is_cue_word(word: str) -> bool:
    """A question word that says which section answers (明年, 打算, 不足) or how many items
    the answer names (哪五样), not the topic."""
    return bool(
        ASKS_PLAN.fullmatch(word) or ASKS_PROBLEM.fullmatch(word) or SET_SIZE.fullmatch(word)
    )
