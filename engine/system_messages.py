"""The chat-export texts nobody said, in a module of their own so that the command line (``--help``,
argument defaults) and the job configs name them without importing ``textnorm`` (pandas, pyarrow)."""

from __future__ import annotations

#: The five system messages WeChat puts into a chat export (friend request accepted, unsupported
#: message): not said by anyone, so dropped; matched exactly after trimming.
SYSTEM_MESSAGES: tuple[str, ...] = (
    "我通过了好友请求,现在你俩可以开始聊天了",
    "我通过了你的朋友验证请求,现在我们可以开始聊天了",
    "已通过你的朋友验证请求,现在可以开始聊天了",
    "不支持此消息,请在手机上查看",
    "微信红包",
)
