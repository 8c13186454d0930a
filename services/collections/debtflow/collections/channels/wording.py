"""The content check every template passes when it is created and every message when it is rendered: threatening,
abusive or misleading wording is refused, naming the category of the phrase found.

The phrase lists are the rule, per language; each category names its legal source:

- CN: GB/T 45251-2025 (互联网金融 个人网络消费信贷 贷后催收风控指引, the national collection standard) and the
  NIFA 2024 post-loan collection guideline forbid violence or threats of it, insults and abuse, disclosing the
  debt to the borrower's family, employer or contacts, impersonating public authorities (police, courts,
  procuratorate) or lawyers, and false statements of legal consequences (arrest, criminal record, seizure
  without a judgment).
- US: FDCPA 15 U.S.C. 1692d (harassment or abuse: threats of violence 1692d(1), obscene or profane language
  1692d(2)) and 1692e (false or misleading representations: implying government or attorney affiliation
  1692e(1), (3); threatening arrest or imprisonment 1692e(4); threatening action that cannot legally be taken
  1692e(5); communicating that the consumer committed a crime 1692e(7)), and 1692c(b) / 1692b (no disclosure
  of the debt to third parties such as family or employer).

Matching is on a normalised form (NFKC, case folded; for Chinese every space and punctuation mark removed, so
"逮 捕" is still "逮捕"; for English words are matched whole, whatever punctuation separates them).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Language = Literal["zh", "en"]

#: Category -> (legal source, phrases). A phrase is a literal; English phrases are matched as whole words.
PHRASES: dict[Language, dict[str, tuple[str, tuple[str, ...]]]] = {
    "zh": {
        "threat_of_violence": ("GB/T 45251-2025; NIFA 2024 (no violence or threat of violence)", (
            "打断你的腿", "弄死你", "杀了你", "砍死", "废了你", "要你好看", "让你付出代价", "你的人身安全",
            "找人收拾你", "上门教训", "小心你的家人", "泼油漆")),
        "arrest_or_jail": ("GB/T 45251-2025; NIFA 2024 (no false statement of legal consequences)", (
            "逮捕", "拘留", "坐牢", "判刑", "抓你", "刑事责任", "立案侦查", "通缉", "送你进监狱", "蹲监狱")),
        "exposure_to_third_parties": ("GB/T 45251-2025; NIFA 2024 (no disclosure of the debt to third parties)", (
            "通知你的家人", "告诉你的家人", "通知你的单位", "通知你的领导", "告诉你的同事", "曝光你", "通讯录",
            "联系你的亲友", "发到朋友圈", "公开你的信息", "张贴", "让所有人知道")),
        "insult": ("GB/T 45251-2025; NIFA 2024 (no insults or abuse)", (
            "老赖", "骗子", "废物", "不要脸", "人渣", "畜生", "去死", "滚蛋", "垃圾", "王八蛋")),
        "impersonating_authority": ("GB/T 45251-2025; NIFA 2024 (no impersonation of authorities or lawyers)", (
            "公安局", "派出所", "警察", "法院通知", "检察院", "我是律师", "律师函", "法官", "政府部门", "经侦")),
        "false_legal_consequence": ("GB/T 45251-2025; NIFA 2024 (no false statement of legal consequences)", (
            "征信黑名单", "查封你的房子", "冻结你的所有账户", "强制执行你的家人", "影响子女上学", "子女不能上学",
            "限制出境", "开除你", "吊销")),
    },
    "en": {
        "threat_of_violence": ("FDCPA 15 U.S.C. 1692d(1)", (
            "hurt you", "kill you", "break your", "beat you", "you will regret", "watch your back",
            "pay us a visit", "your safety", "something bad will happen")),
        "arrest_or_jail": ("FDCPA 15 U.S.C. 1692e(4), 1692e(7)", (
            "arrest", "arrested", "jail", "prison", "imprisonment", "criminal charges", "warrant",
            "police will", "prosecuted", "you committed a crime", "fraud charges")),
        "exposure_to_third_parties": ("FDCPA 15 U.S.C. 1692c(b), 1692b(2)", (
            "tell your family", "tell your employer", "contact your employer", "inform your boss",
            "call your neighbors", "your coworkers will", "expose you", "make it public", "post your name",
            "everyone will know")),
        "insult": ("FDCPA 15 U.S.C. 1692d(2)", (
            "deadbeat", "idiot", "stupid", "loser", "scum", "liar", "thief", "worthless", "shame on you")),
        "impersonating_authority": ("FDCPA 15 U.S.C. 1692e(1), 1692e(3), 1692e(14)", (
            "police department", "sheriff", "court officer", "from the court", "government agency",
            "federal agent", "attorney's office", "law enforcement", "i am a lawyer", "this is your attorney")),
        "false_legal_consequence": ("FDCPA 15 U.S.C. 1692e(5)", (
            "seize your house", "seize your property", "garnish your wages", "take your children", "deport",
            "lose your job", "blacklist", "suspend your license", "revoke your license")),
    },
}

_ZH_IGNORED = re.compile(r"[\s\W_]+", re.UNICODE)
_EN_SEPARATORS = re.compile(r"[^\w']+", re.UNICODE)


@dataclass(frozen=True)
class WordingRefused:
    """What the check found: the phrase's category, the phrase, the language list it is on, and the rule."""

    category: str
    phrase: str
    language: Language
    source: str


def _normalised(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _zh_form(text: str) -> str:
    return _ZH_IGNORED.sub("", _normalised(text))


def _en_form(text: str) -> str:
    return f" {_EN_SEPARATORS.sub(' ', _normalised(text)).strip()} "


def refused_wording(text: str) -> WordingRefused | None:
    """The first forbidden phrase in `text`, checked against both languages' lists (a Chinese template may quote
    English and the other way round), or None when the wording may be sent."""
    zh, en = _zh_form(text), _en_form(text)
    for category, (source, phrases) in PHRASES["zh"].items():
        for phrase in phrases:
            if _zh_form(phrase) in zh:
                return WordingRefused(category, phrase, "zh", source)
    for category, (source, phrases) in PHRASES["en"].items():
        for phrase in phrases:
            if _en_form(phrase) in en:
                return WordingRefused(category, phrase, "en", source)
    return None
