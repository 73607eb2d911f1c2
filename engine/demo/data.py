"""Realistic customer-service chat exports, with the dirt real exports carry.

A newcomer has no chat logs, and every test needs some: ``make_chat_frame`` builds one export as a
DataFrame, deterministic for (rows, seed, file_index). Conversations between an agent (坐席) and a
customer (客户) with several turns, mostly Chinese, interleaved the way a busy agent's export is, and
sprinkled with what the clean job must remove or survive:

    system messages (textnorm's five, exactly)       emoji, multi-part ones included (ZWJ, flags,
    empty and whitespace-only cells, NaN ids           skin tones, keycaps)
    exact duplicate rows                               newlines inside messages
    very long messages                                 cells that start with = + - @ (formula-looking)

``DIRT_KINDS`` names each kind; ``dirt_counts`` counts them in a frame (the demo job reports them).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from engine.system_messages import SYSTEM_MESSAGES

COLUMNS = ("坐席id", "坐席昵称", "客户微信id", "是否客服", "消息类型", "消息内容", "消息时间")

DIRT_KINDS = (
    "system_message",
    "emoji",
    "empty",
    "whitespace",
    "nan_id",
    "duplicate",
    "newline",
    "long",
    "formula",
)

_AGENT_NAMES = ("小美", "阿杰", "晓雯", "客服小王", "莉莉", "大鹏", "安琪", "子涵", "售后老陈", "思远")

_CUSTOMER_OPENERS = (
    "你好,在吗",
    "您好,我想咨询一下",
    "请问这个还有货吗",
    "我昨天下的单怎么还没发货",
    "这款有优惠吗",
    "我收到的东西有点问题",
    "想问下怎么退款",
    "你们周末发货吗",
    "这个尺码偏大还是偏小",
    "能开发票吗",
    "亲,包邮吗",
    "我想改一下收货地址",
    "快递一直没更新",
    "买两件能便宜点吗",
    "有没有别的颜色",
)
_CUSTOMER_FOLLOWUPS = (
    "好的",
    "那大概什么时候能到",
    "订单号是{order}",
    "可以的",
    "谢谢",
    "明白了",
    "那我再考虑一下",
    "能不能快一点",
    "我已经拍了,麻烦尽快发",
    "图片发你了,你看一下",
    "质量怎么样",
    "保修多久",
    "我要{n}件",
    "地址是{city}市{district}区",
    "嗯嗯",
    "那行吧",
    "还有其他问题想问",
    "发什么快递",
    "七天无理由吗",
    "麻烦帮我备注一下",
)
_AGENT_REPLIES = (
    "您好,在的,请问有什么可以帮您?",
    "亲,有货的,今天下单今天发。",
    "我帮您查一下,请稍等。",
    "您的订单已经发货了,单号{order}。",
    "现在下单立减{n}元哦。",
    "非常抱歉给您带来不便,我们马上处理。",
    "退款申请提交后一到三个工作日到账。",
    "周末正常发货的。",
    "建议您按平时的尺码选择。",
    "可以开发票的,请提供抬头和税号。",
    "全国包邮(偏远地区除外)。",
    "地址已经帮您修改好了。",
    "快递那边可能有延迟,我帮您催一下。",
    "两件可以打九折。",
    "目前有黑、白、灰三种颜色。",
    "好的,已经帮您备注了",
    "质量您放心,支持七天无理由退换",
    "保修一年,终身维护",
    "默认发顺丰,也可以选中通",
    "还有什么可以帮您的吗?",
)
_EMOJI = ("😀", "👍", "👍🏽", "❤️", "🎉", "😂", "🙏", "👨‍👩‍👧", "🇨🇳", "1️⃣", "🤔", "😭", "🌹", "👩🏻‍💻", "☺️")
_CITIES = ("上海", "北京", "杭州", "成都", "广州", "深圳", "武汉", "南京")
_DISTRICTS = ("朝阳", "浦东", "西湖", "武侯", "天河", "南山", "江汉", "鼓楼")
_FORMULA_LIKE = ("=SUM(A1:A9)", "+86 138 0000 0000", "-_-||", "@小美 在吗", '=HYPERLINK("http://x")', "-1 那个不要了")
_LONG_PIECE = "这是一段很长的描述,用来说明我遇到的问题,希望你们能认真看一下并给出解决办法。"

# Probability of each kind of dirt per row.
_P_SYSTEM = 0.02
_P_EMOJI = 0.08
_P_EMPTY = 0.01
_P_WHITESPACE = 0.01
_P_NAN_ID = 0.004
_P_DUPLICATE = 0.01
_P_NEWLINE = 0.03
_P_LONG = 0.002
_P_FORMULA = 0.005


def _fill(template: str, rng: np.random.Generator) -> str:
    return template.format(
        order=f"{rng.integers(10**11, 10**12)}",
        n=int(rng.integers(1, 20)),
        city=_CITIES[rng.integers(len(_CITIES))],
        district=_DISTRICTS[rng.integers(len(_DISTRICTS))],
    )


def _pick(options: tuple[str, ...], rng: np.random.Generator) -> str:
    return options[rng.integers(len(options))]


def _conversation(rng: np.random.Generator) -> list[tuple[bool, str]]:
    """One conversation: (is_agent, text) turns; roles alternate, sometimes with runs."""
    turns: list[tuple[bool, str]] = [(False, _fill(_pick(_CUSTOMER_OPENERS, rng), rng))]
    for _ in range(int(rng.integers(3, 14))):
        previous_agent = turns[-1][0]
        is_agent = not previous_agent if rng.random() < 0.8 else previous_agent
        text = _fill(_pick(_AGENT_REPLIES if is_agent else _CUSTOMER_FOLLOWUPS, rng), rng)
        turns.append((is_agent, text))
    return turns


def _dirty(text: str, rng: np.random.Generator) -> tuple[object, str | None]:
    """Maybe replace or decorate a message with one kind of dirt; returns (cell, kind)."""
    r = rng.random()
    edges = np.cumsum([_P_SYSTEM, _P_EMOJI, _P_EMPTY, _P_WHITESPACE, _P_NEWLINE, _P_LONG, _P_FORMULA])
    if r < edges[0]:
        return _pick(SYSTEM_MESSAGES, rng), "system_message"
    if r < edges[1]:
        mark = _pick(_EMOJI, rng)
        return (text + mark if rng.random() < 0.7 else mark + text), "emoji"
    if r < edges[2]:
        return np.nan, "empty"
    if r < edges[3]:
        return _pick(("   ", "\t", " \n "), rng), "whitespace"
    if r < edges[4]:
        cut = max(1, len(text) // 2)
        return text[:cut] + _pick(("\n", "\r\n", "\n\n"), rng) + text[cut:], "newline"
    if r < edges[5]:
        return _LONG_PIECE * int(rng.integers(20, 60)), "long"
    if r < edges[6]:
        return _pick(_FORMULA_LIKE, rng), "formula"
    return text, None


def make_chat_frame(rows: int, seed: int, file_index: int = 0) -> pd.DataFrame:
    """One chat export of exactly ``rows`` rows, deterministic for (rows, seed, file_index)."""
    rng = np.random.default_rng([seed, file_index])
    agents = [f"kf{file_index:03d}{a:02d}" for a in range(int(rng.integers(2, 6)))]
    start = datetime(2022, 1, 1) + timedelta(days=int(rng.integers(0, 300)))
    records: list[tuple] = []
    clock = start
    while len(records) < rows:
        # A few conversations open at once, interleaved as in a real agent's export.
        open_convs = []
        for _ in range(int(rng.integers(1, 4))):
            agent = agents[rng.integers(len(agents))]
            customer = "wxid_" + "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz0123456789"), 12))
            open_convs.append([agent, customer, _conversation(rng)])
        while open_convs and len(records) < rows:
            conv = open_convs[rng.integers(len(open_convs))]
            agent, customer, turns = conv
            is_agent, text = turns.pop(0)
            if not turns:
                open_convs.remove(conv)
            clock += timedelta(seconds=int(rng.integers(5, 300)))
            cell, kind = _dirty(text, rng)
            agent_cell: object = agent
            customer_cell: object = customer
            if rng.random() < _P_NAN_ID:
                if rng.random() < 0.5:
                    agent_cell = np.nan
                else:
                    customer_cell = np.nan
            msg_type = "系统消息" if kind == "system_message" else "文本"
            record = (
                agent_cell,
                _AGENT_NAMES[int(agent[-2:]) % len(_AGENT_NAMES)],
                customer_cell,
                "是" if is_agent else "否",
                msg_type,
                cell,
                clock.strftime("%Y-%m-%d %H:%M:%S"),
            )
            records.append(record)
            if rng.random() < _P_DUPLICATE and len(records) < rows:
                records.append(record)
    return pd.DataFrame.from_records(records[:rows], columns=list(COLUMNS))


def dirt_counts(frame: pd.DataFrame) -> dict[str, int]:
    """How many rows of each kind of dirt a frame holds (kinds may overlap)."""
    text = frame["消息内容"]
    as_str = text.astype("string")
    from engine.textnorm import emoji_candidate_pattern

    return {
        "system_message": int(as_str.str.strip().isin(SYSTEM_MESSAGES).fillna(False).sum()),
        "emoji": int(as_str.str.contains(emoji_candidate_pattern(), regex=True, na=False).sum()),
        "empty": int(text.isna().sum()),
        "whitespace": int((as_str.str.strip() == "").fillna(False).sum()),
        "nan_id": int(frame["坐席id"].isna().sum() + frame["客户微信id"].isna().sum()),
        "duplicate": int(frame.duplicated().sum()),
        "newline": int(as_str.str.contains("\n", regex=False, na=False).sum()),
        "long": int((as_str.str.len() > 500).fillna(False).sum()),
        "formula": int(as_str.str.match(r"[=+\-@]", na=False).sum()),
    }
