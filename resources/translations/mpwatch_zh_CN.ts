<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>BackgroundPriorityAction</name>
    <message>
        <source>Background priority for jobs</source>
        <translation>作业后台优先级</translation>
    </message>
    <message>
        <source>Run jobs at a lower scheduling priority than the window, so the window stays responsive while they fill every core. Applies to jobs started from now on.</source>
        <translation>以低于窗口的调度优先级运行作业，作业占满所有核心时窗口仍能及时响应。对此后启动的作业生效。</translation>
    </message>
</context>
<context>
    <name>BatchingView</name>
    <message>
        <source>Start the service to see what the batcher decides.</source>
        <translation>启动服务后即可查看批处理器的决策。</translation>
    </message>
    <message>
        <source>A free predictor takes what waits at once; items wait only while every predictor is busy (default).</source>
        <translation>空闲的推理进程立即取走等待中的请求；只有所有推理进程都忙时请求才等待（默认）。</translation>
    </message>
    <message>
        <source>A batch leaves at max batch items or after max delay, even while a predictor is idle.</source>
        <translation>批次在达到最大批大小或最大等待时间时发出，即使有推理进程空闲。</translation>
    </message>
    <message>
        <source>Batches sized to keep the predicted p99 within the target; what cannot meet it is answered 503 with Retry-After.</source>
        <translation>按目标控制批大小，使预测 p99 不超过目标；无法满足的请求以 503 和 Retry-After 回复。</translation>
    </message>
    <message>
        <source>idle</source>
        <translation>空闲</translation>
    </message>
    <message>
        <source>fixed</source>
        <translation>固定</translation>
    </message>
    <message>
        <source>target p99</source>
        <translation>目标 p99</translation>
    </message>
    <message>
        <source>Batching policy; applies live to a running service</source>
        <translation>批处理策略；对运行中的服务实时生效</translation>
    </message>
    <message>
        <source>≤ </source>
        <translation>≤ </translation>
    </message>
    <message>
        <source> ms</source>
        <translation> 毫秒</translation>
    </message>
    <message>
        <source>p99 latency the target policy plans for; applies live</source>
        <translation>目标策略规划的 p99 延迟；实时生效</translation>
    </message>
    <message>
        <source>predicted p99</source>
        <translation>预测 p99</translation>
    </message>
    <message>
        <source>measured p99</source>
        <translation>实测 p99</translation>
    </message>
    <message>
        <source>wait of the batch</source>
        <translation>批次等待时间</translation>
    </message>
    <message>
        <source>target</source>
        <translation>目标</translation>
    </message>
    <message>
        <source>last batch</source>
        <translation>最近一批</translation>
    </message>
    <message>
        <source>mean (2 s)</source>
        <translation>平均（2 秒）</translation>
    </message>
    <message>
        <source>max batch</source>
        <translation>最大批大小</translation>
    </message>
    <message>
        <source>size</source>
        <translation>批满</translation>
    </message>
    <message>
        <source>deadline</source>
        <translation>到期</translation>
    </message>
    <message>
        <source>shed</source>
        <translation>超时丢弃</translation>
    </message>
    <message>
        <source>a per item</source>
        <translation>a（每条）</translation>
    </message>
    <message>
        <source>b per batch</source>
        <translation>b（每批）</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>服务</translation>
    </message>
    <message>
        <source>Batching decisions</source>
        <translation>批处理决策</translation>
    </message>
    <message>
        <source>Waiting for the batcher…</source>
        <translation>等待批处理器…</translation>
    </message>
    <message>
        <source>target, p99 ≤ {0} ms</source>
        <translation>目标，p99 ≤ {0} 毫秒</translation>
    </message>
    <message>
        <source>&lt;b&gt;In force:&lt;/b&gt;</source>
        <translation>&lt;b&gt;当前生效：&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;Last reported:&lt;/b&gt;</source>
        <translation>&lt;b&gt;最近报告：&lt;/b&gt;</translation>
    </message>
    <message>
        <source>{0} {1}, max batch {2}, max delay {3} ms</source>
        <translation>{0} {1}，最大批大小 {2}，最大等待 {3} 毫秒</translation>
    </message>
    <message>
        <source> (switching to {0}…)</source>
        <translation>（正在切换到 {0}…）</translation>
    </message>
    <message>
        <source>no batch yet</source>
        <translation>尚无批次</translation>
    </message>
    <message>
        <source>last batch {0} items, its oldest waited {1} ms</source>
        <translation>最近一批 {0} 条，其中最早的等待了 {1} 毫秒</translation>
    </message>
    <message>
        <source>p99 predicted {0} ms, measured {1} ms</source>
        <translation>p99 预测 {0} 毫秒，实测 {1} 毫秒</translation>
    </message>
    <message>
        <source>service time ≈ {0} µs × items + {1} µs (σ {2} µs, last {3} batches)</source>
        <translation>服务时间 ≈ {0} 微秒 × 条数 + {1} 微秒（σ {2} 微秒，最近 {3} 批）</translation>
    </message>
    <message>
        <source>&lt;span style=&apos;color:#c62828&apos;&gt;{0} requests shed (503)&lt;/span&gt;</source>
        <translation>&lt;span style=&apos;color:#c62828&apos;&gt;{0} 个请求被拒绝（503）&lt;/span&gt;</translation>
    </message>
</context>
<context>
    <name>Charts</name>
    <message>
        <source>Throughput</source>
        <translation>吞吐量</translation>
    </message>
    <message>
        <source>rows/s</source>
        <translation>行/秒</translation>
    </message>
    <message>
        <source>Dropped rows by reason</source>
        <translation>按原因统计的丢弃行</translation>
    </message>
    <message>
        <source>per second</source>
        <translation>每秒</translation>
    </message>
    <message>
        <source>mmi writer queue (batches)</source>
        <translation>mmi 写入队列（批）</translation>
    </message>
    <message>
        <source>depth</source>
        <translation>深度</translation>
    </message>
    <message>
        <source>RSS per process</source>
        <translation>各进程 RSS</translation>
    </message>
    <message>
        <source>Throughput per stage</source>
        <translation>各阶段吞吐量</translation>
    </message>
    <message>
        <source>items/s</source>
        <translation>条/秒</translation>
    </message>
    <message>
        <source>Queue depth per hop</source>
        <translation>各环节队列深度</translation>
    </message>
    <message>
        <source>messages</source>
        <translation>消息数</translation>
    </message>
    <message>
        <source>Latency (answered requests)</source>
        <translation>延迟（已应答请求）</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <source>Latency: predicted vs measured p99</source>
        <extracomment>Longest p99 target the spin box offers: the default request timeout (10 s) answers 504 past it. A fixed colour per flush reason, so that a switch of policy reads as a change of colour.</extracomment>
        <translation>延迟：预测与实测 p99</translation>
    </message>
    <message>
        <source>ms</source>
        <translation>毫秒</translation>
    </message>
    <message>
        <source>Batch size chosen</source>
        <translation>所选批大小</translation>
    </message>
    <message>
        <source>items</source>
        <translation>条</translation>
    </message>
    <message>
        <source>Flushes by reason</source>
        <translation>按原因统计的出批</translation>
    </message>
    <message>
        <source>batches/s</source>
        <translation>批/秒</translation>
    </message>
    <message>
        <source>Service time fit a·n + b (log)</source>
        <translation>服务时间拟合 a·n + b（对数）</translation>
    </message>
    <message>
        <source>µs</source>
        <translation>微秒</translation>
    </message>
    <message>
        <source>Flush reasons</source>
        <translation>出批原因</translation>
    </message>
    <message>
        <source>batches</source>
        <translation>批</translation>
    </message>
    <message>
        <source>Answers by HTTP status</source>
        <translation>按 HTTP 状态统计的应答</translation>
    </message>
    <message>
        <source>requests/s</source>
        <translation>请求/秒</translation>
    </message>
    <message>
        <source>elapsed</source>
        <translation>已用时间</translation>
    </message>
</context>
<context>
    <name>CleanForm</name>
    <message>
        <source>missing values</source>
        <extracomment>(CleanRules switch, label, tooltip) of each rule check box (English source texts, context CleanForm).</extracomment>
        <translation>缺失值</translation>
    </message>
    <message>
        <source>drop rows missing 坐席id, 客户微信id, 是否客服 or 消息内容</source>
        <translation>丢弃缺少 坐席id、客户微信id、是否客服 或 消息内容 的行</translation>
    </message>
    <message>
        <source>role (是/否)</source>
        <translation>角色（是/否）</translation>
    </message>
    <message>
        <source>normalise 是/否, 客服/客户, True/False, 1/0; drop unknown roles</source>
        <translation>统一 是/否、客服/客户、True/False、1/0；丢弃无法识别的角色</translation>
    </message>
    <message>
        <source>remove emoji</source>
        <translation>去除表情</translation>
    </message>
    <message>
        <source>multi-part emoji go whole</source>
        <translation>组合表情整体去除</translation>
    </message>
    <message>
        <source>collapse newlines</source>
        <translation>合并换行</translation>
    </message>
    <message>
        <source>newlines, tabs and runs of spaces become one space</source>
        <translation>换行、制表符和连续空格合并为一个空格</translation>
    </message>
    <message>
        <source>system messages</source>
        <translation>系统消息</translation>
    </message>
    <message>
        <source>exact match after trimming, list below</source>
        <translation>去除首尾空白后完全匹配，列表见下方</translation>
    </message>
    <message>
        <source>empty after clean</source>
        <translation>清洗后为空</translation>
    </message>
    <message>
        <source>drop messages that are empty once cleaned</source>
        <translation>丢弃清洗后为空的消息</translation>
    </message>
    <message>
        <source>duplicates</source>
        <translation>重复行</translation>
    </message>
    <message>
        <source>exact duplicate rows</source>
        <translation>完全相同的重复行</translation>
    </message>
    <message>
        <source>Chat exports to clean</source>
        <translation>要清洗的聊天导出文件</translation>
    </message>
    <message>
        <source>files or folders, separated by ;</source>
        <translation>文件或文件夹，用 ; 分隔</translation>
    </message>
    <message>
        <source>Folder for the cleaned segments</source>
        <translation>清洗结果分段的保存文件夹</translation>
    </message>
    <message>
        <source>output folder (segments + report.json)</source>
        <translation>输出文件夹（分段文件 + report.json）</translation>
    </message>
    <message>
        <source>Folder…</source>
        <translation>文件夹…</translation>
    </message>
    <message>
        <source>defaults: agent=坐席id,customer=客户微信id,role=是否客服,content=消息内容,time=消息时间</source>
        <translation>默认：agent=坐席id,customer=客户微信id,role=是否客服,content=消息内容,time=消息时间</translation>
    </message>
    <message>
        <source>every sheet</source>
        <translation>所有工作表</translation>
    </message>
    <message>
        <source>resume</source>
        <translation>断点续跑</translation>
    </message>
    <message>
        <source>skip segments a previous run in this output folder completed</source>
        <translation>跳过此输出文件夹中上次运行已完成的分段</translation>
    </message>
    <message>
        <source>duplicates within each file, or across the whole run</source>
        <translation>在每个文件内去重，或在整个运行范围内去重</translation>
    </message>
    <message>
        <source>each file</source>
        <translation>每个文件</translation>
    </message>
    <message>
        <source>the whole run</source>
        <translation>整个运行</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>one system message per line (exact match after trimming)</source>
        <translation>每行一条系统消息（去除首尾空白后完全匹配）</translation>
    </message>
    <message>
        <source>also drop messages containing… (separate with ;)</source>
        <translation>同时丢弃包含以下内容的消息…（用 ; 分隔）</translation>
    </message>
    <message>
        <source>Workers</source>
        <translation>工作进程</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>格式</translation>
    </message>
    <message>
        <source>Files per segment</source>
        <translation>每段文件数</translation>
    </message>
    <message>
        <source>duplicates within</source>
        <translation>去重范围</translation>
    </message>
    <message>
        <source>min length</source>
        <translation>最短长度</translation>
    </message>
    <message>
        <source>Inputs</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>Output folder</source>
        <translation>输出文件夹</translation>
    </message>
    <message>
        <source>Columns</source>
        <translation>列名映射</translation>
    </message>
    <message>
        <source>System messages</source>
        <translation>系统消息</translation>
    </message>
    <message>
        <source>…or containing</source>
        <translation>…或包含</translation>
    </message>
    <message>
        <source>Clean chat exports</source>
        <translation>清洗聊天导出文件</translation>
    </message>
    <message>
        <source>Rules (each drop is counted by reason)</source>
        <translation>规则（每次丢弃都按原因计数）</translation>
    </message>
    <message>
        <source>Choose the chat exports (files or a folder) first.</source>
        <translation>请先选择聊天导出文件（文件或文件夹）。</translation>
    </message>
    <message>
        <source>Columns: {error}</source>
        <translation>列名映射：{error}</translation>
    </message>
    <message>
        <source>Folder of chat exports (searched recursively)</source>
        <translation>聊天导出文件所在文件夹（递归查找）</translation>
    </message>
</context>
<context>
    <name>CleanPanel</name>
    <message>
        <source>missing</source>
        <extracomment>Short labels of the drop reasons for the bar chart&apos;s axis (English source, context CleanPanel).</extracomment>
        <translation>缺失</translation>
    </message>
    <message>
        <source>role?</source>
        <translation>角色不明</translation>
    </message>
    <message>
        <source>system</source>
        <translation>系统消息</translation>
    </message>
    <message>
        <source>empty</source>
        <translation>空</translation>
    </message>
    <message>
        <source>short</source>
        <translation>过短</translation>
    </message>
    <message>
        <source>too long</source>
        <translation>过长</translation>
    </message>
    <message>
        <source>duplicate</source>
        <translation>重复</translation>
    </message>
    <message>
        <source>dup (run)</source>
        <translation>重复（全局）</translation>
    </message>
    <message>
        <source>only failed</source>
        <translation>只看失败</translation>
    </message>
    <message>
        <source>Workers</source>
        <translation>工作进程</translation>
    </message>
    <message>
        <source>Files</source>
        <translation>文件数</translation>
    </message>
    <message>
        <source>{written}/{total} segments</source>
        <translation>分段 {written}/{total}</translation>
    </message>
    <message>
        <source> ({n} empty: all files failed)</source>
        <translation>（{n} 个为空：其文件全部失败）</translation>
    </message>
    <message>
        <source>{rows} rows read, {rate} rows/s</source>
        <translation>已读取 {rows} 行，{rate} 行/秒</translation>
    </message>
    <message>
        <source>{n} failed</source>
        <translation>{n} 个失败</translation>
    </message>
    <message>
        <source>Files and segments: {ok} ok, {failed} failed (double-click a row for details)</source>
        <translation>文件与分段：{ok} 个成功，{failed} 个失败（双击一行查看详情）</translation>
    </message>
    <message>
        <source>Pending files ({n}, first {shown} shown)</source>
        <translation>等待处理的文件（{n} 个，显示前 {shown} 个）</translation>
    </message>
    <message>
        <source>Pending files ({n})</source>
        <translation>等待处理的文件（{n} 个）</translation>
    </message>
    <message>
        <source>cleaned</source>
        <translation>已清洗</translation>
    </message>
</context>
<context>
    <name>DemoPanel</name>
    <message>
        <source>Output folder</source>
        <translation>输出文件夹</translation>
    </message>
    <message>
        <source>Files</source>
        <translation>文件数</translation>
    </message>
    <message>
        <source>Rows per file</source>
        <translation>每个文件行数</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>Workers</source>
        <translation>工作进程</translation>
    </message>
    <message>
        <source>Folder for the demo exports</source>
        <translation>示例导出文件的保存文件夹</translation>
    </message>
    <message>
        <source>folder to write chat_NNNN.xlsx into</source>
        <translation>写入 chat_NNNN.xlsx 的文件夹</translation>
    </message>
    <message>
        <source>Generate demo chat exports</source>
        <translation>生成示例聊天导出文件</translation>
    </message>
    <message>
        <source>Writes customer-service chats (坐席id, 客户微信id, 是否客服, 消息内容, 消息时间) with the dirt the Clean job removes: system messages, emoji, empty cells, duplicates, newlines, formula-looking text.</source>
        <translation>生成客服对话数据（坐席id、客户微信id、是否客服、消息内容、消息时间），并带有清洗任务要去除的脏数据：系统消息、表情、空单元格、重复行、换行以及看起来像公式的文本。</translation>
    </message>
    <message>
        <source>{done} / {total} files</source>
        <translation>{done} / {total} 个文件</translation>
    </message>
</context>
<context>
    <name>DialoguesPanel</name>
    <message>
        <source>1 · Read + normalise + partition</source>
        <extracomment>The phase lines&apos; titles (English source, context DialoguesPanel).</extracomment>
        <translation>1 · 读取 + 规范化 + 分区</translation>
    </message>
    <message>
        <source>2 · Keys: count dialogues, choose val</source>
        <translation>2 · 键：统计对话数，划分验证集</translation>
    </message>
    <message>
        <source>3 · Build + write std/mmi</source>
        <translation>3 · 构建 + 写入 std/mmi</translation>
    </message>
    <message>
        <source>Chat exports (raw or cleaned)</source>
        <translation>聊天导出文件（原始或已清洗）</translation>
    </message>
    <message>
        <source>files or folders, separated by ;</source>
        <translation>文件或文件夹，用 ; 分隔</translation>
    </message>
    <message>
        <source>Folder for std/ and mmi/</source>
        <translation>std/ 与 mmi/ 的保存文件夹</translation>
    </message>
    <message>
        <source>output folder (std/, mmi/, dialogues-report.json)</source>
        <translation>输出文件夹（std/、mmi/、dialogues-report.json）</translation>
    </message>
    <message>
        <source>Inputs</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>Output folder</source>
        <translation>输出文件夹</translation>
    </message>
    <message>
        <source>a count of dialogues (10000) or a fraction (0.05); train keeps at least half</source>
        <translation>对话数量（10000）或比例（0.05）；训练集至少保留一半</translation>
    </message>
    <message>
        <source>坐席: / 客户: before each utterance</source>
        <translation>每句话前加 坐席: / 客户:</translation>
    </message>
    <message>
        <source>Val size</source>
        <translation>验证集大小</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>Min turns</source>
        <translation>最少轮数</translation>
    </message>
    <message>
        <source>Readers</source>
        <translation>读取进程</translation>
    </message>
    <message>
        <source>Memory budget</source>
        <translation>内存预算</translation>
    </message>
    <message>
        <source>std/train.txt (first dialogues)</source>
        <translation>std/train.txt（前几段对话）</translation>
    </message>
    <message>
        <source>mmi/train.txt (same dialogues, reversed)</source>
        <translation>mmi/train.txt（相同对话，倒序）</translation>
    </message>
    <message>
        <source>Dialogue text for GPT-2 chitchat (std) and its MMI model (mmi)</source>
        <translation>GPT-2 闲聊训练文本（std）及其 MMI 模型文本（mmi）</translation>
    </message>
    <message>
        <source>Phases</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>first std dialogues appear here</source>
        <translation>前几段 std 对话会显示在这里</translation>
    </message>
    <message>
        <source>…and the same dialogues reversed (mmi)</source>
        <translation>…以及倒序后的相同对话（mmi）</translation>
    </message>
    <message>
        <source>Choose the chat exports (files or folders) first.</source>
        <translation>请先选择聊天导出文件（文件或文件夹）。</translation>
    </message>
    <message>
        <source>Not found: {paths}</source>
        <translation>找不到：{paths}</translation>
    </message>
    <message>
        <source>Val size: {error}</source>
        <translation>验证集大小：{error}</translation>
    </message>
    <message>
        <source>{done} / {total} files</source>
        <translation>{done} / {total} 个文件</translation>
    </message>
    <message>
        <source>{n} dialogues</source>
        <translation>{n} 段对话</translation>
    </message>
    <message>
        <source>{n} std lines</source>
        <translation>{n} 行 std</translation>
    </message>
</context>
<context>
    <name>EngineMessages</name>
    <message>
        <source>empty file (0 bytes)</source>
        <translation>空文件（0 字节）</translation>
    </message>
    <message>
        <source>empty file (no header row)</source>
        <translation>空文件（没有表头行）</translation>
    </message>
    <message>
        <source>file not found (moved or deleted after the run started)</source>
        <translation>找不到文件（运行开始后被移动或删除）</translation>
    </message>
    <message>
        <source>is a folder, not a file</source>
        <translation>是文件夹，不是文件</translation>
    </message>
    <message>
        <source>cannot open: {cause}</source>
        <translation>无法打开：{cause}</translation>
    </message>
    <message>
        <source>not an Excel file (HTML/XML text saved with an Excel name)</source>
        <translation>不是 Excel 文件（以 Excel 文件名保存的 HTML/XML 文本）</translation>
    </message>
    <message>
        <source>not an Excel file (a PDF document)</source>
        <translation>不是 Excel 文件（是 PDF 文档）</translation>
    </message>
    <message>
        <source>not an Excel file (unknown binary content starting {start})</source>
        <translation>不是 Excel 文件（未知的二进制内容，开头为 {start}）</translation>
    </message>
    <message>
        <source>not an Excel file (looks like text: {preview})</source>
        <translation>不是 Excel 文件（看起来是文本：{preview}）</translation>
    </message>
    <message>
        <source>empty workbook (no sheets)</source>
        <translation>空工作簿（没有工作表）</translation>
    </message>
    <message>
        <source>password-protected workbook (cannot be read without its password)</source>
        <translation>受密码保护的工作簿（没有密码无法读取）</translation>
    </message>
    <message>
        <source>password-protected workbook (encrypted Office file)</source>
        <translation>受密码保护的工作簿（加密的 Office 文件）</translation>
    </message>
    <message>
        <source>no data rows (a header and nothing under it)</source>
        <translation>没有数据行（只有表头，下面没有内容）</translation>
    </message>
    <message>
        <source>no data: all {rows} rows are empty in {columns}</source>
        <translation>没有数据：全部 {rows} 行在 {columns} 中都是空的</translation>
    </message>
    <message>
        <source>missing column {names}{where}; found: {found}</source>
        <translation>缺少列 {names}{where}；找到的列：{found}</translation>
    </message>
    <message>
        <source>missing columns {names}{where}; found: {found}</source>
        <translation>缺少列 {names}{where}；找到的列：{found}</translation>
    </message>
    <message>
        <source>cannot write {target}: {cause}</source>
        <translation>无法写入 {target}：{cause}</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>input not found: {path}</source>
        <translation>找不到输入：{path}</translation>
    </message>
    <message>
        <source>no .xlsx/.xls/.csv/.parquet file matches {pattern}</source>
        <translation>没有与 {pattern} 匹配的 .xlsx/.xls/.csv/.parquet 文件</translation>
    </message>
    <message>
        <source>nothing to read in {described}</source>
        <translation>没有可读取的文件：{described}</translation>
    </message>
    <message>
        <source>output folder {out} is a file, not a folder</source>
        <translation>输出文件夹 {out} 是一个文件，不是文件夹</translation>
    </message>
    <message>
        <source>output folder {out} is not writable: {existing} is a file, not a folder</source>
        <translation>输出文件夹 {out} 不可写：{existing} 是一个文件，不是文件夹</translation>
    </message>
    <message>
        <source>output folder {out} is not writable: no permission to write in {existing}</source>
        <translation>输出文件夹 {out} 不可写：没有在 {existing} 中写入的权限</translation>
    </message>
    <message>
        <source>column {names} not found in {file}; found: {found}</source>
        <translation>在 {file} 中找不到列 {names}；找到的列：{found}</translation>
    </message>
    <message>
        <source>columns {names} not found in {file}; found: {found}</source>
        <translation>在 {file} 中找不到列 {names}；找到的列：{found}</translation>
    </message>
    <message>
        <source>column {names} not found in {file} or the {others} other file(s) checked; found: {found}</source>
        <translation>在 {file} 及检查的其他 {others} 个文件中都找不到列 {names}；找到的列：{found}</translation>
    </message>
    <message>
        <source>columns {names} not found in {file} or the {others} other file(s) checked; found: {found}</source>
        <translation>在 {file} 及检查的其他 {others} 个文件中都找不到列 {names}；找到的列：{found}</translation>
    </message>
    <message>
        <source>{exited}; restarting it ({restarts}/{most})</source>
        <translation>{exited}；正在重启（{restarts}/{most}）</translation>
    </message>
    <message>
        <source>{exited}; restarted {most} times, giving up</source>
        <translation>{exited}；已重启 {most} 次，放弃</translation>
    </message>
    <message>
        <source>{worker} (pid {pid}) died on {task}: worker died ({exit}); retrying (attempt {attempt} of {attempts})</source>
        <translation>{worker}（pid {pid}）处理 {task} 时意外退出（{exit}）；正在重试（第 {attempt} 次，共 {attempts} 次）</translation>
    </message>
    <message>
        <source>{task} failed: worker died ({exit}) on {attempts} attempts</source>
        <translation>{task} 失败：工作进程在 {attempts} 次尝试中都意外退出（{exit}）</translation>
    </message>
    <message>
        <source>worker died ({exit}) on all {attempts} attempts</source>
        <translation>工作进程在全部 {attempts} 次尝试中都意外退出（{exit}）</translation>
    </message>
    <message>
        <source>resuming: {done} of {segments} segments already complete, skipped</source>
        <translation>断点续跑：{segments} 个分段中已有 {done} 个完成，已跳过</translation>
    </message>
    <message>
        <source>segment {segment}/{segments} written: {name} ({rows:,} rows)</source>
        <translation>分段 {segment}/{segments} 已写出：{name}（{rows:,} 行）</translation>
    </message>
    <message>
        <source>segment {segment}: {error}</source>
        <translation>分段 {segment}：{error}</translation>
    </message>
    <message>
        <source>wrote {rows} rows, files counted {expected}</source>
        <translation>写出 {rows} 行，但各文件合计 {expected} 行</translation>
    </message>
    <message>
        <source>output not written: {error}</source>
        <translation>输出未写出：{error}</translation>
    </message>
    <message>
        <source>segment {segment}: {name} was finished after the run stopped; removed</source>
        <translation>分段 {segment}：{name} 在运行停止后才写完，已删除</translation>
    </message>
    <message>
        <source>{report} not updated: {error}</source>
        <translation>{report} 未更新：{error}</translation>
    </message>
    <message>
        <source>dialogues: {files} input file(s) → {out}</source>
        <translation>对话：{files} 个输入文件 → {out}</translation>
    </message>
    <message>
        <source>dialogues: {train} train + {val} val dialogues, {utterances} utterances in {seconds:.1f} s</source>
        <translation>对话：训练集 {train} 段 + 验证集 {val} 段对话，共 {utterances} 句话，用时 {seconds:.1f} 秒</translation>
    </message>
    <message>
        <source>validation set capped at {val} dialogues (train keeps at least half of {dialogues})</source>
        <translation>验证集上限为 {val} 段对话（训练集至少保留 {dialogues} 段中的一半）</translation>
    </message>
    <message>
        <source>memory budget {budget_mb:.0f} MB is too small: the coordinator uses {resting_mb:.0f} MB at rest and the largest partition needs about {needed_mb:.0f} MB more; building one partition at a time</source>
        <translation>内存预算 {budget_mb:.0f} MB 太小：协调进程空闲时占用 {resting_mb:.0f} MB，最大的分区还需约 {needed_mb:.0f} MB；改为每次构建一个分区</translation>
    </message>
    <message>
        <source>job failed: {reason}
{traceback}</source>
        <translation>任务失败：{reason}
{traceback}</translation>
    </message>
    <message>
        <source>ingress {index}: the open-file limit allows {allowed} connections, not {wanted}</source>
        <translation>接入进程 {index}：打开文件数上限只允许 {allowed} 个连接，而不是 {wanted} 个</translation>
    </message>
    <message>
        <source>ingress {index}: no TCP_DEFER_ACCEPT here; idle connections are accepted</source>
        <translation>接入进程 {index}：本机没有 TCP_DEFER_ACCEPT；空闲连接也会被接受</translation>
    </message>
    <message>
        <source>ingress {index} listening on {url} (pid {pid}, {loop} event loop)</source>
        <translation>接入进程 {index} 正在监听 {url}（pid {pid}，{loop} 事件循环）</translation>
    </message>
    <message>
        <source>{worker}: could not build the model {model}: {reason}
{traceback}</source>
        <translation>{worker}：无法构建模型 {model}：{reason}
{traceback}</translation>
    </message>
    <message>
        <source>{worker}: model {model} ready in {seconds:.2f} s{size}</source>
        <translation>{worker}：模型 {model} 已就绪，用时 {seconds:.2f} 秒{size}</translation>
    </message>
    <message>
        <source> ({size} indexed pairs)</source>
        <translation>（已索引 {size} 个问答对）</translation>
    </message>
    <message>
        <source>listening on {host}, beyond loopback: anyone who can reach this machine can send requests</source>
        <translation>正在监听 {host}，不限于本机回环地址：任何能访问本机的人都可以发送请求</translation>
    </message>
    <message>
        <source>pipeline starting: {ingress} ingress, {preprocess} preprocess, {receivers} receivers, {replicas} predictors, batching {batching}{target}, max batch {max_batch}, max delay {max_delay_ms:g} ms, endpoint {url}/v1/predict</source>
        <translation>流水线启动：{ingress} 个接入进程，{preprocess} 个预处理进程，{receivers} 个接收进程，{replicas} 个推理进程，组批方式 {batching}{target}，最大批量 {max_batch}，最长等待 {max_delay_ms:g} 毫秒，接口 {url}/v1/predict</translation>
    </message>
    <message>
        <source> (target p99 {target_p99_ms:g} ms)</source>
        <translation>（目标 p99 {target_p99_ms:g} 毫秒）</translation>
    </message>
    <message>
        <source>fixed</source>
        <translation>固定</translation>
    </message>
    <message>
        <source>idle</source>
        <translation>空闲</translation>
    </message>
    <message>
        <source>target</source>
        <translation>目标</translation>
    </message>
    <message>
        <source>{exited}; its open connections were reset, it is being restarted</source>
        <translation>{exited}；它打开的连接已被重置，正在重启</translation>
    </message>
    <message>
        <source>could not report {count} lost requests of {worker}</source>
        <translation>无法报告 {worker} 丢失的 {count} 个请求</translation>
    </message>
    <message>
        <source>{exited}; {count} in-flight requests answered with an error</source>
        <translation>{exited}；{count} 个处理中的请求已以错误应答</translation>
    </message>
    <message>
        <source>{worker} died holding the {lock} of a queue it used; released it</source>
        <translation>{worker}退出时仍持有所用队列的{lock}；已将其释放</translation>
    </message>
    <message>
        <source>reader lock</source>
        <translation>读取锁</translation>
    </message>
    <message>
        <source>writer lock</source>
        <translation>写入锁</translation>
    </message>
    <message>
        <source>get counter lock</source>
        <translation>取出计数锁</translation>
    </message>
    <message>
        <source>put counter lock</source>
        <translation>放入计数锁</translation>
    </message>
    <message>
        <source>stages still running after the drain, ending them: {stages}</source>
        <translation>排空后仍有阶段在运行，正在结束它们：{stages}</translation>
    </message>
    <message>
        <source>load test: {result}</source>
        <translation>负载测试：{result}</translation>
    </message>
    <message>
        <source>offered {rate:g}/s for {duration_s:.1f} s: sent {sent}, answered {answered} ({statuses}){skipped}</source>
        <translation>以 {rate:g}/秒 施压 {duration_s:.1f} 秒：已发送 {sent}，已应答 {answered}（{statuses}）{skipped}</translation>
    </message>
    <message>
        <source>, {skipped} not sent (concurrency cap)</source>
        <translation>，{skipped} 个未发送（并发上限）</translation>
    </message>
    <message>
        <source>throughput {throughput:,.1f} answers/s (status 200){texts}</source>
        <translation>吞吐量 {throughput:,.1f} 个应答/秒（状态 200）{texts}</translation>
    </message>
    <message>
        <source>, {items:,.0f} texts/s ({per_request} per request)</source>
        <translation>，{items:,.0f} 条文本/秒（每个请求 {per_request} 条）</translation>
    </message>
    <message>
        <source>latency of 200s: p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, max {max:.1f} ms; inside the service p99 {server:.1f} ms; the generator&apos;s own lag p99 {lag:.1f} ms</source>
        <translation>200 应答的延迟：p50 {p50:.1f} 毫秒，p95 {p95:.1f} 毫秒，p99 {p99:.1f} 毫秒，最大 {max:.1f} 毫秒；服务内部 p99 {server:.1f} 毫秒；压测端自身滞后 p99 {lag:.1f} 毫秒</translation>
    </message>
    <message>
        <source>latency: none (no request succeeded)</source>
        <translation>延迟：无（没有成功的请求）</translation>
    </message>
    <message>
        <source>duplicate answer ids: {duplicates}</source>
        <translation>重复的应答 id：{duplicates}</translation>
    </message>
    <message>
        <source>error ×{count}: {error}</source>
        <translation>错误 ×{count}：{error}</translation>
    </message>
    <message>
        <source>{http_status}: {count}</source>
        <translation>{http_status}：{count}</translation>
    </message>
    <message>
        <source>conn-error: {count}</source>
        <translation>连接错误：{count}</translation>
    </message>
    <message>
        <source>{http_status}: {reason}</source>
        <translation>{http_status}：{reason}</translation>
    </message>
    <message>
        <source>shed: predicted latency over the {target_ms:g} ms target; retry later</source>
        <translation>已拒绝：预计延迟超过 {target_ms:g} 毫秒的目标；请稍后重试</translation>
    </message>
    <message>
        <source>shed: more requests in flight than can be answered within the {target_ms:g} ms target; retry later</source>
        <translation>已拒绝：处理中的请求过多，无法在 {target_ms:g} 毫秒的目标内应答；请稍后重试</translation>
    </message>
    <message>
        <source>shed: not answered within the {target_ms:g} ms target; retry later</source>
        <translation>已拒绝：未能在 {target_ms:g} 毫秒的目标内应答；请稍后重试</translation>
    </message>
    <message>
        <source>shed: predicted latency over the {target_ms:g} ms target; retry in {retry_s} s</source>
        <translation>已拒绝：预计延迟超过 {target_ms:g} 毫秒的目标；请 {retry_s} 秒后重试</translation>
    </message>
    <message>
        <source>overloaded: {inflight} items in flight (limit {limit}); retry later</source>
        <translation>过载：{inflight} 条正在处理（上限 {limit}）；请稍后重试</translation>
    </message>
    <message>
        <source>the service is shutting down</source>
        <translation>服务正在关闭</translation>
    </message>
    <message>
        <source>{exception}: {detail}</source>
        <translation>{exception}：{detail}</translation>
    </message>
    <message>
        <source>{exception}</source>
        <translation>{exception}</translation>
    </message>
    <message>
        <source>other errors</source>
        <translation>其他错误</translation>
    </message>
    <message>
        <source>[Errno {number}] {cause}</source>
        <translation>{cause}（Errno {number}）</translation>
    </message>
    <message>
        <source>[Errno {number}] {cause}: {file}</source>
        <translation>{cause}（Errno {number}）：{file}</translation>
    </message>
    <message>
        <source>[Errno {number}] {cause}: {file} -&gt; {file2}</source>
        <translation>{cause}（Errno {number}）：{file} -&gt; {file2}</translation>
    </message>
    <message>
        <source>starting a Dask cluster of {workers} local workers…</source>
        <translation>正在启动有 {workers} 个本地工作进程的 Dask 集群…</translation>
    </message>
    <message>
        <source>connecting to the Dask scheduler at {address}…</source>
        <translation>正在连接 {address} 上的 Dask 调度器…</translation>
    </message>
    <message>
        <source>running on the Dask cluster at {scheduler} ({address}): {workers} workers, {threads} threads; every worker reaches the data</source>
        <translation>运行于 {scheduler}（{address}）上的 Dask 集群：{workers} 个工作进程，{threads} 个线程；每个工作进程都能访问数据</translation>
    </message>
    <message>
        <source>{failure} ({tasks} tasks in flight)</source>
        <translation>{failure}（{tasks} 个任务正在执行）</translation>
    </message>
    <message>
        <source>lost the connection to the Dask scheduler at {address} ({tasks} tasks in flight)</source>
        <translation>与 {address} 上的 Dask 调度器的连接已断开（{tasks} 个任务正在执行）</translation>
    </message>
    <message>
        <source>{task}: a worker died under it on all {deaths} attempts, with other tasks beside it: run once more alone on one worker, to tell whether it is the cause</source>
        <translation>{task}：全部 {deaths} 次尝试中工作进程都意外退出，且当时还有其他任务同时运行：将在一个工作进程上单独再运行一次，以判断是否由它引起</translation>
    </message>
    <message>
        <source>the scheduler did not take mpwatch&apos;s plugin ({reason}): one task per Dask task, which costs a few ms more per task</source>
        <translation>调度器未接受 mpwatch 的插件（{reason}）：每个 Dask 任务只运行一个任务，每个任务多花几毫秒</translation>
    </message>
    <message>
        <source>{task}: {attempts} attempts ({deaths} worker(s) died under it, {retried} retries after it raised)</source>
        <translation>{task}：共尝试 {attempts} 次（{deaths} 次工作进程意外退出，{retried} 次因出错而重试）</translation>
    </message>
    <message>
        <source>{task} failed: {reason}</source>
        <translation>{task} 失败：{reason}</translation>
    </message>
    <message>
        <source>worker died on all {attempts} attempts</source>
        <translation>工作进程在全部 {attempts} 次尝试中都意外退出</translation>
    </message>
    <message>
        <source>worker died on all {attempts} attempts, the last one alone on it</source>
        <translation>工作进程在全部 {attempts} 次尝试中都意外退出，最后一次是单独运行</translation>
    </message>
    <message>
        <source>{count} cancelled task(s) still running on the cluster after {grace_s:g} s (they stop at their next stop check): {tasks}</source>
        <translation>{grace_s:g} 秒后仍有 {count} 个已取消的任务在集群上运行（它们会在下一次检查停止请求时停下）：{tasks}</translation>
    </message>
    <message>
        <source>{worker} joined the cluster</source>
        <translation>{worker} 已加入集群</translation>
    </message>
    <message>
        <source>{worker} left the cluster</source>
        <translation>{worker} 已离开集群</translation>
    </message>
    <message>
        <source>{worker} was running {tasks}: scheduled again on the other workers</source>
        <translation>{worker} 当时正在运行 {tasks}：已重新安排到其他工作进程上</translation>
    </message>
    <message>
        <source>local Dask worker {number} of {count} (pid {pid}) ended with {exit} before it started, {failures} times in a row: not started again</source>
        <translation>本地 Dask 工作进程 {number}/{count}（pid {pid}）在启动完成前就已结束（{exit}），已连续 {failures} 次：不再重新启动</translation>
    </message>
    <message>
        <source>{ready} of {count} local Dask workers started</source>
        <translation>{count} 个本地 Dask 工作进程中有 {ready} 个已启动</translation>
    </message>
    <message>
        <source>the {workers} local Dask workers did not start within {timeout_s:g} s ({reason}; exit codes {exit_codes}, {restarts} restarted)</source>
        <translation>{workers} 个本地 Dask 工作进程未能在 {timeout_s:g} 秒内启动（{reason}；退出码 {exit_codes}，已重启 {restarts} 次）</translation>
    </message>
    <message>
        <source>no Dask scheduler answered at {address}: {reason}</source>
        <translation>{address} 上没有 Dask 调度器应答：{reason}</translation>
    </message>
    <message>
        <source>the Dask scheduler at {address} has no workers (start some with: dask worker {address})</source>
        <translation>{address} 上的 Dask 调度器没有工作进程（可用此命令启动：dask worker {address}）</translation>
    </message>
    <message>
        <source>cannot reach the Dask scheduler at {address}: no answer within {timeout_s:g} s</source>
        <translation>无法连接 {address} 上的 Dask 调度器：{timeout_s:g} 秒内没有应答</translation>
    </message>
    <message>
        <source>cannot reach the Dask scheduler at {address}: {cause}</source>
        <translation>无法连接 {address} 上的 Dask 调度器：{cause}</translation>
    </message>
    <message>
        <source>{address} accepted the connection but did not answer like a Dask scheduler within {timeout_s:g} s (is it the scheduler&apos;s port?)</source>
        <translation>{address} 接受了连接，但在 {timeout_s:g} 秒内没有像 Dask 调度器那样应答（这是调度器的端口吗？）</translation>
    </message>
    <message>
        <source>the data check did not finish within {timeout_s:g} s on {workers}</source>
        <translation>数据访问检查未能在 {timeout_s:g} 秒内于 {workers} 上完成</translation>
    </message>
    <message>
        <source>the cluster&apos;s workers cannot reach the data (workers read and write by path, so every host needs the same paths):
{problems}</source>
        <translation>集群的工作进程无法访问数据（工作进程按路径读写，因此每台主机都需要相同的路径）：
{problems}</translation>
    </message>
    <message>
        <source>worker {address} could not run the data check: {reason}</source>
        <translation>工作进程 {address} 无法运行数据访问检查：{reason}</translation>
    </message>
    <message>
        <source>worker {address} cannot read {path}: {cause}</source>
        <translation>工作进程 {address} 无法读取 {path}：{cause}</translation>
    </message>
    <message>
        <source>worker {address} cannot write to {path}: {cause}</source>
        <translation>工作进程 {address} 无法写入 {path}：{cause}</translation>
    </message>
    <message>
        <source>… and {more} more</source>
        <translation>……另有 {more} 项</translation>
    </message>
    <message>
        <source>{text}: a local cluster needs at least 1 worker (local:2)</source>
        <translation>{text}：本地集群至少需要 1 个工作进程（如 local:2）</translation>
    </message>
    <message>
        <source>{text}: port {port} is out of range (1-65535)</source>
        <translation>{text}：端口 {port} 超出范围（1-65535）</translation>
    </message>
    <message>
        <source>{text} is not a cluster address: use tcp://HOST:PORT for a running Dask scheduler (e.g. tcp://10.0.0.5:{port}) or local:N for N local worker processes</source>
        <translation>{text} 不是集群地址：运行中的 Dask 调度器请用 tcp://主机:端口（如 tcp://10.0.0.5:{port}），N 个本地工作进程请用 local:N</translation>
    </message>
    <message>
        <source>the connection test ended without an answer ({exit})</source>
        <translation>连接测试未给出结果就结束了（{exit}）</translation>
    </message>
    <message>
        <source>no answer from {address} within {limit:g} s</source>
        <translation>{address} 在 {limit:g} 秒内没有应答</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>check the path (files, folders or glob patterns in quotes)</source>
        <translation>请检查路径（文件、文件夹，或加引号的通配模式）</translation>
    </message>
    <message>
        <source>the inputs must hold {kinds} files (outside the output folder)</source>
        <translation>输入中必须有 {kinds} 文件（在输出文件夹之外）</translation>
    </message>
    <message>
        <source>give a folder for the output (it is created if missing)</source>
        <translation>请为输出指定一个文件夹（不存在时会自动创建）</translation>
    </message>
    <message>
        <source>choose another output folder</source>
        <translation>请选择其他输出文件夹</translation>
    </message>
    <message>
        <source>did you mean --columns {spec}?</source>
        <translation>是否应在“列名映射”中填写 {spec}？</translation>
    </message>
    <message>
        <source>name the columns with --columns KEY=NAME (keys: agent, customer, role, content, time)</source>
        <translation>请在“列名映射”中以 键=列名 指定列（键：agent、customer、role、content、time）</translation>
    </message>
    <message>
        <source>writing {name}</source>
        <translation>正在写出 {name}</translation>
    </message>
    <message>
        <source>count {group}</source>
        <translation>统计 {group}</translation>
    </message>
    <message>
        <source>build {group}</source>
        <translation>构建 {group}</translation>
    </message>
    <message>
        <source>partition {first}</source>
        <translation>分区 {first}</translation>
    </message>
    <message>
        <source>partitions {first}–{last}</source>
        <translation>分区 {first}–{last}</translation>
    </message>
    <message>
        <source>preprocess</source>
        <translation>预处理</translation>
    </message>
    <message>
        <source>batching</source>
        <translation>组批</translation>
    </message>
    <message>
        <source>relay</source>
        <translation>转发</translation>
    </message>
    <message>
        <source>building the model</source>
        <translation>正在构建模型</translation>
    </message>
    <message>
        <source>batch of {n}</source>
        <translation>一批 {n} 条</translation>
    </message>
    <message>
        <source>{n} file(s)</source>
        <translation>{n} 个文件</translation>
    </message>
    <message>
        <source>{n} group(s) on the cluster</source>
        <translation>集群上的 {n} 个分组</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>成功</translation>
    </message>
    <message>
        <source>Bad Request</source>
        <translation>请求无效</translation>
    </message>
    <message>
        <source>Unauthorized</source>
        <translation>未授权</translation>
    </message>
    <message>
        <source>Not Found</source>
        <translation>未找到</translation>
    </message>
    <message>
        <source>Method Not Allowed</source>
        <translation>方法不允许</translation>
    </message>
    <message>
        <source>Request Timeout</source>
        <translation>请求超时</translation>
    </message>
    <message>
        <source>Payload Too Large</source>
        <translation>请求体过大</translation>
    </message>
    <message>
        <source>Too Many Requests</source>
        <translation>请求过多</translation>
    </message>
    <message>
        <source>Internal Server Error</source>
        <translation>服务内部错误</translation>
    </message>
    <message>
        <source>Bad Gateway</source>
        <translation>网关错误</translation>
    </message>
    <message>
        <source>Service Unavailable</source>
        <translation>服务不可用</translation>
    </message>
    <message>
        <source>Gateway Timeout</source>
        <translation>网关超时</translation>
    </message>
    <message>
        <source>connection refused</source>
        <translation>连接被拒绝</translation>
    </message>
    <message>
        <source>connection reset</source>
        <translation>连接被重置</translation>
    </message>
    <message>
        <source>connection aborted</source>
        <translation>连接被中止</translation>
    </message>
    <message>
        <source>connection closed while sending</source>
        <translation>发送时连接已关闭</translation>
    </message>
    <message>
        <source>connection error</source>
        <translation>连接错误</translation>
    </message>
    <message>
        <source>timed out</source>
        <translation>超时</translation>
    </message>
    <message>
        <source>the answer was cut short</source>
        <translation>应答不完整</translation>
    </message>
    <message>
        <source>system error</source>
        <translation>系统错误</translation>
    </message>
    <message>
        <source>unreadable answer</source>
        <translation>无法解析的应答</translation>
    </message>
    <message>
        <source>file not found</source>
        <translation>文件不存在</translation>
    </message>
    <message>
        <source>is a folder</source>
        <translation>是文件夹</translation>
    </message>
    <message>
        <source>not a folder</source>
        <translation>不是文件夹</translation>
    </message>
    <message>
        <source>permission denied</source>
        <translation>权限不足</translation>
    </message>
    <message>
        <source>{phrase} ({name})</source>
        <translation>{phrase}（{name}）</translation>
    </message>
    <message>
        <source>{status} {phrase}</source>
        <translation>{status} {phrase}</translation>
    </message>
    <message>
        <source>, </source>
        <translation>，</translation>
    </message>
    <message>
        <source>{role} (pid {pid}) exited with code {code}</source>
        <translation>{role}（pid {pid}）退出，退出码 {code}</translation>
    </message>
    <message>
        <source>{role} (pid {pid}) killed by {signal}</source>
        <translation>{role}（pid {pid}）被 {signal} 终止</translation>
    </message>
    <message>
        <source>{role} (pid {pid}) died</source>
        <translation>{role}（pid {pid}）意外退出</translation>
    </message>
    <message>
        <source>{role} (pid {pid}) left</source>
        <translation>{role}（pid {pid}）已离开</translation>
    </message>
    <message>
        <source>{role} died</source>
        <translation>{role} 意外退出</translation>
    </message>
    <message>
        <source>{role} left</source>
        <translation>{role} 已离开</translation>
    </message>
    <message>
        <source>signal {number} ({name})</source>
        <translation>信号 {number}（{name}）</translation>
    </message>
    <message>
        <source>signal {number}</source>
        <translation>信号 {number}</translation>
    </message>
    <message>
        <source>exit code {code}</source>
        <translation>退出码 {code}</translation>
    </message>
    <message>
        <source>; </source>
        <translation>；</translation>
    </message>
    <message>
        <source>{problem}
hint: {hint}</source>
        <translation>{problem}
提示：{hint}</translation>
    </message>
    <message>
        <source> in sheet {sheet}</source>
        <translation>（工作表 {sheet}）</translation>
    </message>
    <message>
        <source>No space left on device</source>
        <translation>磁盘空间不足</translation>
    </message>
    <message>
        <source>Disk quota exceeded</source>
        <translation>超出磁盘配额</translation>
    </message>
    <message>
        <source>File too large</source>
        <translation>文件过大</translation>
    </message>
    <message>
        <source>Read-only file system</source>
        <translation>只读文件系统</translation>
    </message>
    <message>
        <source>Permission denied</source>
        <translation>权限不足</translation>
    </message>
    <message>
        <source>Operation not permitted</source>
        <translation>不允许的操作</translation>
    </message>
    <message>
        <source>Input/output error</source>
        <translation>输入/输出错误</translation>
    </message>
    <message>
        <source>No such device</source>
        <translation>没有该设备</translation>
    </message>
    <message>
        <source>No such device or address</source>
        <translation>没有该设备或地址</translation>
    </message>
    <message>
        <source>No such file or directory</source>
        <translation>文件或文件夹不存在</translation>
    </message>
    <message>
        <source>Not a directory</source>
        <translation>不是文件夹</translation>
    </message>
    <message>
        <source>Is a directory</source>
        <translation>是文件夹</translation>
    </message>
    <message>
        <source>Connection refused</source>
        <translation>连接被拒绝</translation>
    </message>
    <message>
        <source>Connection reset by peer</source>
        <translation>连接被对方重置</translation>
    </message>
    <message>
        <source>No route to host</source>
        <translation>没有到主机的路由</translation>
    </message>
    <message>
        <source>Network is unreachable</source>
        <translation>网络不可达</translation>
    </message>
    <message>
        <source>Connection timed out</source>
        <translation>连接超时</translation>
    </message>
</context>
<context>
    <name>FileTable</name>
    <message>
        <source>file</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>rows in</source>
        <translation>输入行</translation>
    </message>
    <message>
        <source>rows out</source>
        <translation>输出行</translation>
    </message>
    <message>
        <source>dropped</source>
        <translation>丢弃</translation>
    </message>
    <message>
        <source>error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>worker</source>
        <translation>工作进程</translation>
    </message>
    <message>
        <source>s</source>
        <translation>秒</translation>
    </message>
    <message>
        <source>nothing dropped</source>
        <translation>没有丢弃任何行</translation>
    </message>
    <message>
        <source>{path}

rows in {rows_in}, out {rows_out}

dropped:
{tip}

worker {worker}, {seconds} s, attempts {attempts}</source>
        <translation>{path}

输入 {rows_in} 行，输出 {rows_out} 行

丢弃：
{tip}

工作进程 {worker}，{seconds} 秒，尝试 {attempts} 次</translation>
    </message>
    <message>
        <source>{path}

{reason}

attempts: {attempts}, worker: {worker}</source>
        <translation>{path}

{reason}

尝试次数：{attempts}，工作进程：{worker}</translation>
    </message>
</context>
<context>
    <name>Formatting</name>
    <message>
        <source>{value} {unit}/s</source>
        <translation>{value} {unit}/秒</translation>
    </message>
</context>
<context>
    <name>JobPanel</name>
    <message>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation>正在停止…</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Save report…</source>
        <translation>保存报告…</translation>
    </message>
    <message>
        <source>One HTML file: summary, files, charts, settings and versions</source>
        <translation>一个 HTML 文件：摘要、文件列表、图表、设置和版本</translation>
    </message>
    <message>
        <source>Available after a run</source>
        <translation>运行结束后可用</translation>
    </message>
    <message>
        <source>Cannot start {job}</source>
        <translation>无法开始{job}</translation>
    </message>
    <message>
        <source>Files and tasks</source>
        <translation>文件与任务</translation>
    </message>
    <message>
        <source>Save report</source>
        <translation>保存报告</translation>
    </message>
    <message>
        <source>HTML report (*.html)</source>
        <translation>HTML 报告 (*.html)</translation>
    </message>
    <message>
        <source>mpwatch report: {job}</source>
        <translation>mpwatch 报告：{job}</translation>
    </message>
    <message>
        <source>Clean</source>
        <translation>清洗</translation>
    </message>
    <message>
        <source>Open output folder</source>
        <translation>打开输出文件夹</translation>
    </message>
    <message>
        <source>Demo data</source>
        <translation>示例数据</translation>
    </message>
    <message>
        <source>Open folder</source>
        <translation>打开文件夹</translation>
    </message>
    <message>
        <source>Dialogues</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>Pipeline</source>
        <extracomment>The stages (as they name themselves in snapshots); ``term(stage)`` is a stage&apos;s title in the diagram and the charts (&quot;A ingress&quot;, …).</extracomment>
        <translation>推理服务</translation>
    </message>
</context>
<context>
    <name>LoadGeneratorBox</name>
    <message>
        <source>Load generator (open loop, Poisson arrivals)</source>
        <translation>压测（开环，泊松到达）</translation>
    </message>
    <message>
        <source>Rate</source>
        <translation>速率</translation>
    </message>
    <message>
        <source>Max open</source>
        <translation>最大并发</translation>
    </message>
    <message>
        <source>Stopping load…</source>
        <translation>正在停止压测…</translation>
    </message>
    <message>
        <source>Stop load</source>
        <translation>停止压测</translation>
    </message>
    <message>
        <source>Cancel queued load</source>
        <translation>取消排队的压测</translation>
    </message>
    <message>
        <source>Start load</source>
        <translation>开始压测</translation>
    </message>
    <message>
        <source>Start load when ready</source>
        <translation>就绪后开始压测</translation>
    </message>
    <message>
        <source>The service is starting: the load starts by itself once the predictors are ready.</source>
        <translation>服务正在启动：推理进程就绪后压测会自动开始。</translation>
    </message>
    <message>
        <source>Start the inference service first.</source>
        <translation>请先启动推理服务。</translation>
    </message>
    <message>
        <source>{rate} req/s</source>
        <translation>{rate} 请求/秒</translation>
    </message>
    <message>
        <source>Load queued: it starts by itself when the predictors are ready ({ready}/{total} ready).</source>
        <translation>压测已排队：推理进程就绪后自动开始（已就绪 {ready}/{total}）。</translation>
    </message>
    <message>
        <source>Starting the load generator…</source>
        <translation>正在启动压测进程…</translation>
    </message>
    <message>
        <source>sent {sent} · {statuses}</source>
        <translation>已发送 {sent} · {statuses}</translation>
    </message>
    <message>
        <source>no answers yet</source>
        <translation>尚无应答</translation>
    </message>
    <message>
        <source>client latency p50 {p50} ms · p99 {p99} ms · open {open}</source>
        <translation>客户端延迟 p50 {p50} ms · p99 {p99} ms · 未完成 {open}</translation>
    </message>
    <message>
        <source>{n} not sent (max open reached)</source>
        <translation>{n} 个未发送（已达最大并发）</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
</context>
<context>
    <name>LogView</name>
    <message>
        <source>[{job}] started</source>
        <translation>[{job}] 已开始</translation>
    </message>
    <message>
        <source>[{job}] stopped</source>
        <translation>[{job}] 已停止</translation>
    </message>
    <message>
        <source>[{job}] finished</source>
        <translation>[{job}] 已完成</translation>
    </message>
    <message>
        <source>[{job}] failed: {error}</source>
        <translation>[{job}] 失败：{error}</translation>
    </message>
</context>
<context>
    <name>MainMenu</name>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>Open inputs…</source>
        <translation>打开输入…</translation>
    </message>
    <message>
        <source>Open output folder</source>
        <translation>打开输出文件夹</translation>
    </message>
    <message>
        <source>Recent folders</source>
        <translation>最近的文件夹</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Reset layout</source>
        <translation>重置布局</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>About mpwatch</source>
        <translation>关于 mpwatch</translation>
    </message>
    <message>
        <source>Where the logs are</source>
        <translation>日志在哪里</translation>
    </message>
    <message>
        <source>(none yet)</source>
        <translation>（暂无）</translation>
    </message>
    <message>
        <source>&lt;b&gt;mpwatch&lt;/b&gt; runs multiprocess data jobs on one machine and shows them live.</source>
        <translation>&lt;b&gt;mpwatch&lt;/b&gt; 在一台机器上运行多进程数据任务，并实时展示运行情况。</translation>
    </message>
    <message>
        <source>The &lt;b&gt;Log&lt;/b&gt; tab at the bottom of the window lists job starts and ends, failed files, dead workers and warnings of this session; it is not written to disk.&lt;br&gt;&lt;br&gt;Every job writes its own report next to its output: Clean → report.json, Dialogues → dialogues-report.json.</source>
        <translation>窗口底部的&lt;b&gt;日志&lt;/b&gt;标签页列出本次会话中任务的开始与结束、失败的文件、意外退出的工作进程和警告；这些内容不会写入磁盘。&lt;br&gt;&lt;br&gt;每个任务都会在输出旁写一份自己的报告：清洗 → report.json，对话 → dialogues-report.json。</translation>
    </message>
    <message>
        <source>Output folder of this tab: {folder}</source>
        <translation>当前标签页的输出文件夹：{folder}</translation>
    </message>
    <message>
        <source>Settings file: {path}</source>
        <translation>设置文件：{path}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>mpwatch ready. Start with Demo data if you have no chat logs yet.</source>
        <extracomment>(module, class) of each job panel, in tab order. A panel whose module is absent is skipped.</extracomment>
        <translation>mpwatch 已就绪。如果还没有聊天记录，可以先从“示例数据”开始。</translation>
    </message>
    <message>
        <source>Processes</source>
        <translation>进程</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>日志</translation>
    </message>
    <message>
        <source>How late the status timer fires (mean / max over the last 5 s). Large values mean the window is starved.</source>
        <translation>状态定时器触发的延迟（最近 5 秒的平均 / 最大值）。数值大说明窗口响应不过来。</translation>
    </message>
    <message>
        <source>UI lag –</source>
        <translation>界面延迟 –</translation>
    </message>
    <message>
        <source>UI lag {mean} ms (max {max})</source>
        <translation>界面延迟 {mean} ms（最大 {max}）</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) running</source>
        <translation>
            <numerusform>%n 个任务运行中</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n engine process(es)</source>
        <translation>
            <numerusform>%n 个引擎进程</numerusform>
        </translation>
    </message>
    <message>
        <source>idle</source>
        <translation>空闲</translation>
    </message>
    <message>
        <source>stopping jobs before closing…</source>
        <translation>关闭前正在停止任务…</translation>
    </message>
    <message>
        <source>Stop running jobs?</source>
        <translation>停止正在运行的任务？</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) still running. Stop them and quit?</source>
        <translation>
            <numerusform>还有 %n 个任务在运行。停止它们并退出？</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>OverwriteQuestion</name>
    <message>
        <source>… and {count} more</source>
        <translation>…… 另有 {count} 个</translation>
    </message>
    <message>
        <source>The output folder {folder} holds {count} file(s) of an earlier {job} run:

{names}

Remove these files and start? Only the files that run&apos;s report lists are removed; nothing else in the folder is touched.</source>
        <translation>输出文件夹 {folder} 中有之前一次「{job}」运行留下的 {count} 个文件：

{names}

删除这些文件并开始吗？只删除那次运行的报告中列出的文件，文件夹中的其他内容不会改动。</translation>
    </message>
    <message>
        <source>Replace the earlier outputs?</source>
        <translation>替换之前的输出？</translation>
    </message>
</context>
<context>
    <name>PathPicker</name>
    <message>
        <source>Files…</source>
        <translation>文件…</translation>
    </message>
    <message>
        <source>Chat exports (*.xlsx *.xlsm *.xls *.csv *.parquet);;All files (*)</source>
        <extracomment>File-dialog filter for the chat exports every job reads (English source, context PathPicker).</extracomment>
        <translation>聊天导出文件 (*.xlsx *.xlsm *.xls *.csv *.parquet);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Choose an output folder first.</source>
        <translation>请先选择输出文件夹。</translation>
    </message>
</context>
<context>
    <name>PipelinePanel</name>
    <message>
        <source>HTTP processes sharing the port, so parsing is not one core&apos;s job</source>
        <translation>共享同一端口的 HTTP 进程数，HTTP 解析不再只占一个核心</translation>
    </message>
    <message>
        <source>port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>0 picks a free port</source>
        <translation>0 表示自动选择空闲端口</translation>
    </message>
    <message>
        <source>Applies live to a running service</source>
        <translation>对运行中的服务实时生效</translation>
    </message>
    <message>
        <source>Dialogues output folder to index</source>
        <translation>要建立索引的对话输出文件夹</translation>
    </message>
    <message>
        <source>empty: demo dialogues made on the spot</source>
        <translation>留空：现场生成示例对话</translation>
    </message>
    <message>
        <source>Listen on</source>
        <translation>监听地址</translation>
    </message>
    <message>
        <source>Preprocess workers</source>
        <translation>预处理进程</translation>
    </message>
    <message>
        <source>Receivers</source>
        <translation>接收进程</translation>
    </message>
    <message>
        <source>Predictor replicas</source>
        <translation>推理进程副本</translation>
    </message>
    <message>
        <source>Max batch</source>
        <translation>最大批大小</translation>
    </message>
    <message>
        <source>Max delay</source>
        <translation>最长等待</translation>
    </message>
    <message>
        <source>Batching</source>
        <translation>批处理</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Ingress processes</source>
        <translation>接入进程数</translation>
    </message>
    <message>
        <source>Index</source>
        <translation>索引</translation>
    </message>
    <message>
        <source>Endpoint</source>
        <translation>服务地址</translation>
    </message>
    <message>
        <source>Inference service</source>
        <translation>推理服务</translation>
    </message>
    <message>
        <source>not running</source>
        <translation>未运行</translation>
    </message>
    <message>
        <source>failed: {error}</source>
        <translation>失败：{error}</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>{url}/v1/predict  (starting…)</source>
        <translation>{url}/v1/predict（启动中…）</translation>
    </message>
    <message>
        <source>{error}. Choose another port (0 picks a free one).</source>
        <translation>{error}。请换一个端口（0 表示自动选择空闲端口）。</translation>
    </message>
    <message>
        <source>{folder} holds no std/train.txt: choose a Dialogues output folder, or leave it empty.</source>
        <translation>{folder} 中没有 std/train.txt：请选择对话任务的输出文件夹，或留空。</translation>
    </message>
    <message>
        <source>in flight {n}</source>
        <translation>处理中 {n}</translation>
    </message>
    <message>
        <source>waiting {n}</source>
        <translation>等待中 {n}</translation>
    </message>
    <message>
        <source>answered {counts}</source>
        <translation>已应答 {counts}</translation>
    </message>
    <message>
        <source>predictors ready {ready}/{total}</source>
        <translation>推理进程就绪 {ready}/{total}</translation>
    </message>
    <message>
        <source>{restarts} stage restarts, {lost} requests answered with an error</source>
        <translation>阶段重启 {restarts} 次，{lost} 个请求返回了错误</translation>
    </message>
</context>
<context>
    <name>ProcessTable</name>
    <message>
        <source>job</source>
        <extracomment>How soon after a sample is requested the table looks for its result (and again, until it came).</extracomment>
        <translation>任务</translation>
    </message>
    <message>
        <source>role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>state</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>nice</source>
        <translation>优先级</translation>
    </message>
    <message>
        <source>exit code</source>
        <translation>退出码</translation>
    </message>
    <message>
        <source>Scheduling priority (POSIX nice: higher runs in the background)</source>
        <translation>调度优先级（POSIX nice：数值越大越偏后台）</translation>
    </message>
</context>
<context>
    <name>ProgressBox</name>
    <message>
        <source>ETA {eta}</source>
        <translation>预计剩余 {eta}</translation>
    </message>
</context>
<context>
    <name>Roles</name>
    <message>
        <source>coordinator</source>
        <translation>协调进程</translation>
    </message>
    <message>
        <source>worker</source>
        <translation>工作进程</translation>
    </message>
    <message>
        <source>clean</source>
        <translation>清洗进程</translation>
    </message>
    <message>
        <source>writer</source>
        <translation>写入进程</translation>
    </message>
    <message>
        <source>reader</source>
        <translation>读取进程</translation>
    </message>
    <message>
        <source>mmi-writer</source>
        <translation>mmi 写入进程</translation>
    </message>
    <message>
        <source>ingress</source>
        <translation>接入进程</translation>
    </message>
    <message>
        <source>preprocess</source>
        <translation>预处理进程</translation>
    </message>
    <message>
        <source>batcher</source>
        <translation>组批进程</translation>
    </message>
    <message>
        <source>predictor</source>
        <translation>推理进程</translation>
    </message>
    <message>
        <source>receiver</source>
        <translation>接收进程</translation>
    </message>
    <message>
        <source>loadgen</source>
        <translation>压测进程</translation>
    </message>
    <message>
        <source>dask worker</source>
        <translation>Dask 工作进程</translation>
    </message>
</context>
<context>
    <name>RunOnSelector</name>
    <message>
        <source>Run on: enter the scheduler&apos;s address (tcp://HOST:PORT).</source>
        <translation>运行位置：请输入调度器地址（tcp://HOST:PORT）。</translation>
    </message>
    <message>
        <source>Run on: {error}</source>
        <translation>运行位置：{error}</translation>
    </message>
    <message>
        <source>Connecting to {address}…</source>
        <translation>正在连接 {address}…</translation>
    </message>
    <message>
        <source>Cannot use {address}: {error}</source>
        <translation>无法使用 {address}：{error}</translation>
    </message>
    <message>
        <source>{n} workers at {address} (answered in {seconds} s):</source>
        <translation>{address} 有 {n} 个工作进程（{seconds} 秒内应答）：</translation>
    </message>
    <message>
        <source>{n} thread(s)</source>
        <translation>{n} 个线程</translation>
    </message>
    <message>
        <source>…and {n} more</source>
        <translation>……另有 {n} 个</translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation>测试中…</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>测试连接</translation>
    </message>
    <message>
        <source>Run on</source>
        <translation>运行位置</translation>
    </message>
    <message>
        <source>this machine</source>
        <translation>本机</translation>
    </message>
    <message>
        <source>local cluster</source>
        <translation>本地集群</translation>
    </message>
    <message>
        <source>scheduler address</source>
        <translation>调度器地址</translation>
    </message>
    <message>
        <source>this machine: the usual worker processes; local cluster: a Dask cluster of N worker processes started for the run; scheduler address: a running Dask scheduler (inputs and output must be at the same paths on every worker)</source>
        <translation>本机：常规的工作进程；本地集群：为本次运行启动的 N 个工作进程的 Dask 集群；调度器地址：一个正在运行的 Dask 调度器（每个工作进程上的输入与输出路径必须相同）</translation>
    </message>
    <message>
        <source> workers</source>
        <translation> 个工作进程</translation>
    </message>
    <message>
        <source>Connect, list the workers (address, threads, memory), disconnect</source>
        <translation>连接，列出工作进程（地址、线程、内存），然后断开</translation>
    </message>
</context>
<context>
    <name>RunReport</name>
    <message>
        <source>task</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>worker</source>
        <translation>工作进程</translation>
    </message>
    <message>
        <source>s</source>
        <translation>秒</translation>
    </message>
    <message>
        <source>counts or error</source>
        <translation>计数或错误</translation>
    </message>
    <message>
        <source>Saved {time}</source>
        <translation>保存于 {time}</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>摘要</translation>
    </message>
    <message>
        <source>Charts</source>
        <translation>图表</translation>
    </message>
    <message>
        <source>setting</source>
        <translation>设置项</translation>
    </message>
    <message>
        <source>value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Versions</source>
        <translation>版本</translation>
    </message>
</context>
<context>
    <name>StageDiagram</name>
    <message>
        <source>busy {percent} %</source>
        <extracomment>A stage busier than this can be the bottleneck.</extracomment>
        <translation>繁忙 {percent} %</translation>
    </message>
    <message>
        <source>◀ bottleneck</source>
        <translation>◀ 瓶颈</translation>
    </message>
    <message>
        <source>answers by id · results queue {depth}/{bound}</source>
        <translation>按 id 回传应答 · 结果队列 {depth}/{bound}</translation>
    </message>
</context>
<context>
    <name>Summaries</name>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Ran on the Dask cluster {cluster}.</source>
        <translation>运行于 Dask 集群 {cluster}。</translation>
    </message>
    <message>
        <source>&lt;b&gt;Stopped.&lt;/b&gt; Segments already written are complete (none is half-written); report.json lists them. Start again with &lt;i&gt;resume&lt;/i&gt; to finish the rest.</source>
        <translation>&lt;b&gt;已停止。&lt;/b&gt;已写出的分段都是完整的（没有写了一半的），report.json 中列出了它们。勾选&lt;i&gt;断点续跑&lt;/i&gt;再次开始即可完成剩余部分。</translation>
    </message>
    <message>
        <source>&lt;b&gt;Failed:&lt;/b&gt; {error}</source>
        <translation>&lt;b&gt;失败：&lt;/b&gt;{error}</translation>
    </message>
    <message>
        <source>&lt;b&gt;Done.&lt;/b&gt; {ok} of {files} files cleaned in {seconds} s ({rate} rows/s, {workers} workers).&lt;br&gt;{rows_in} rows in → {rows_out} out; dropped: {drops}.&lt;br&gt;{segments} {format} segment(s) + report.json in {out_dir}</source>
        <translation>&lt;b&gt;完成。&lt;/b&gt;{files} 个文件中 {ok} 个已清洗，用时 {seconds} 秒（{rate} 行/秒，{workers} 个工作进程）。&lt;br&gt;输入 {rows_in} 行 → 输出 {rows_out} 行；丢弃：{drops}。&lt;br&gt;{segments} 个 {format} 分段 + report.json，位于 {out_dir}</translation>
    </message>
    <message>
        <source> ({n} segments resumed)</source>
        <translation>（续跑了 {n} 个分段）</translation>
    </message>
    <message>
        <source>Counts do not reconcile: see report.json.</source>
        <translation>行数对不上：请查看 report.json。</translation>
    </message>
    <message>
        <source>{n} file(s) failed: tick &lt;i&gt;only failed&lt;/i&gt; to list them.</source>
        <translation>{n} 个文件失败：勾选&lt;i&gt;只看失败&lt;/i&gt;即可列出。</translation>
    </message>
    <message>
        <source>Stopped. Files already written are complete; none is half-written.</source>
        <translation>已停止。已写出的文件都是完整的，没有写了一半的。</translation>
    </message>
    <message>
        <source>Failed: {error}</source>
        <translation>失败：{error}</translation>
    </message>
    <message>
        <source>&lt;b&gt;Done.&lt;/b&gt; {files} files, {rows} rows in {seconds} s ({rate} rows/s with {workers} workers) → {out_dir}</source>
        <translation>&lt;b&gt;完成。&lt;/b&gt;{files} 个文件，{rows} 行，用时 {seconds} 秒（{workers} 个工作进程，{rate} 行/秒）→ {out_dir}</translation>
    </message>
    <message>
        <source>{n} files failed (see Log)</source>
        <translation>{n} 个文件失败（见日志）</translation>
    </message>
    <message>
        <source>Stopped. Nothing was left under a final name and the work folder was removed.</source>
        <translation>已停止。没有留下任何正式文件名的输出，临时工作文件夹已删除。</translation>
    </message>
    <message>
        <source>&lt;b&gt;Done&lt;/b&gt; in {seconds} s ({rate} rows/s). {rows_read} rows read from {files} file(s); {in_dialogues} in dialogues; dropped: {drops}.&lt;br&gt;&lt;b&gt;{dialogues}&lt;/b&gt; dialogues (&lt;b&gt;{train}&lt;/b&gt; train, &lt;b&gt;{val}&lt;/b&gt; val), {utterances} utterances; {short} dialogues under min turns dropped.&lt;br&gt;Peak RSS: coordinator {rss_coordinator} MB, {writer} {rss_writer} MB, readers ≤ {rss_readers} MB. Writer queue max {queue_max}/{queue_bound}; {partitions} partitions built in {groups} group(s).&lt;br&gt;→ {out_dir}/std, /mmi, dialogues-report.json</source>
        <translation>&lt;b&gt;完成&lt;/b&gt;，用时 {seconds} 秒（{rate} 行/秒）。从 {files} 个文件读取 {rows_read} 行；{in_dialogues} 行进入对话；丢弃：{drops}。&lt;br&gt;&lt;b&gt;{dialogues}&lt;/b&gt; 段对话（训练 &lt;b&gt;{train}&lt;/b&gt;，验证 &lt;b&gt;{val}&lt;/b&gt;），{utterances} 句话；{short} 段对话轮数不足被丢弃。&lt;br&gt;RSS 峰值：协调进程 {rss_coordinator} MB，{writer} {rss_writer} MB，读取进程 ≤ {rss_readers} MB。写入队列最大 {queue_max}/{queue_bound}；{partitions} 个分区，分 {groups} 组构建。&lt;br&gt;→ {out_dir}/std、/mmi、dialogues-report.json</translation>
    </message>
    <message>
        <source>{n} file(s) failed (see Log)</source>
        <translation>{n} 个文件失败（见日志）</translation>
    </message>
</context>
<context>
    <name>Terms</name>
    <message>
        <source>missing value</source>
        <translation>缺失值</translation>
    </message>
    <message>
        <source>unknown role</source>
        <translation>未知角色</translation>
    </message>
    <message>
        <source>system message</source>
        <translation>系统消息</translation>
    </message>
    <message>
        <source>empty after clean</source>
        <translation>清洗后为空</translation>
    </message>
    <message>
        <source>too short</source>
        <translation>过短</translation>
    </message>
    <message>
        <source>too long for xlsx</source>
        <translation>超出 xlsx 单元格长度</translation>
    </message>
    <message>
        <source>duplicate</source>
        <translation>重复</translation>
    </message>
    <message>
        <source>duplicate in run</source>
        <translation>全局重复</translation>
    </message>
    <message>
        <source>short dialogue</source>
        <translation>对话过短</translation>
    </message>
    <message>
        <source>empty</source>
        <translation>空</translation>
    </message>
    <message>
        <source>rows</source>
        <translation>行</translation>
    </message>
    <message>
        <source>rows written</source>
        <translation>已写入行</translation>
    </message>
    <message>
        <source>files</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>items</source>
        <translation>条</translation>
    </message>
    <message>
        <source>it</source>
        <translation>条</translation>
    </message>
    <message>
        <source>cleaning</source>
        <translation>清洗中</translation>
    </message>
    <message>
        <source>writing</source>
        <translation>写入中</translation>
    </message>
    <message>
        <source>busy</source>
        <translation>忙碌</translation>
    </message>
    <message>
        <source>idle</source>
        <translation>空闲</translation>
    </message>
    <message>
        <source>died</source>
        <translation>意外退出</translation>
    </message>
    <message>
        <source>exited</source>
        <translation>已退出</translation>
    </message>
    <message>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>ok</source>
        <translation>成功</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>size</source>
        <translation>批满</translation>
    </message>
    <message>
        <source>deadline</source>
        <translation>到期</translation>
    </message>
    <message>
        <source>shed</source>
        <translation>超时丢弃</translation>
    </message>
    <message>
        <source>shutdown</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>A ingress</source>
        <translation>A 接入</translation>
    </message>
    <message>
        <source>B preprocess</source>
        <translation>B 预处理</translation>
    </message>
    <message>
        <source>C receivers</source>
        <translation>C 接收</translation>
    </message>
    <message>
        <source>batcher</source>
        <translation>组批</translation>
    </message>
    <message>
        <source>predictor</source>
        <translation>推理</translation>
    </message>
    <message>
        <source>conn error</source>
        <translation>连接错误</translation>
    </message>
    <message>
        <source>read + cleaned</source>
        <translation>读取 + 清洗</translation>
    </message>
    <message>
        <source>written</source>
        <translation>已写入</translation>
    </message>
    <message>
        <source>rows/s</source>
        <translation>行/秒</translation>
    </message>
    <message>
        <source>std lines/s</source>
        <translation>std 行/秒</translation>
    </message>
    <message>
        <source>mmi lines/s</source>
        <translation>mmi 行/秒</translation>
    </message>
    <message>
        <source>depth</source>
        <translation>深度</translation>
    </message>
    <message>
        <source>bound</source>
        <translation>上限</translation>
    </message>
    <message>
        <source>mean batch</source>
        <translation>平均批大小</translation>
    </message>
    <message>
        <source>max batch</source>
        <translation>最大批大小</translation>
    </message>
</context>
<context>
    <name>TryItBox</name>
    <message>
        <source>connection refused (is the service running?)</source>
        <translation>连接被拒绝（服务在运行吗？）</translation>
    </message>
    <message>
        <source>the service closed the connection</source>
        <translation>服务关闭了连接</translation>
    </message>
    <message>
        <source>host not found</source>
        <translation>找不到主机</translation>
    </message>
    <message>
        <source>no answer in time</source>
        <translation>未能及时应答</translation>
    </message>
    <message>
        <source>the network is down</source>
        <translation>网络已断开</translation>
    </message>
    <message>
        <source>Try it</source>
        <translation>试一试</translation>
    </message>
    <message>
        <source>type a customer message, e.g. 请问这个还有货吗</source>
        <translation>输入一条客户消息，例如：请问这个还有货吗</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>The service is starting; Send works once the predictors are ready.</source>
        <translation>服务正在启动；推理进程就绪后即可发送。</translation>
    </message>
    <message>
        <source>Start the inference service first.</source>
        <translation>请先启动推理服务。</translation>
    </message>
    <message>
        <source>asking…</source>
        <translation>正在询问…</translation>
    </message>
    <message>
        <source>(no similar question indexed)</source>
        <translation>（索引中没有相似的问题）</translation>
    </message>
    <message>
        <source>score {score} · matched “{matched}”</source>
        <translation>相似度 {score} · 匹配到“{matched}”</translation>
    </message>
    <message>
        <source>answered in {round_trip} ms (service {service} ms) · id {id}</source>
        <translation>{round_trip} ms 内得到应答（服务内 {service} ms）· id {id}</translation>
    </message>
    <message>
        <source>{status}: {reason} (after {round_trip} ms)</source>
        <translation>{status}：{reason}（{round_trip} ms 后）</translation>
    </message>
    <message>
        <source>no answer</source>
        <translation>无应答</translation>
    </message>
</context>
<context>
    <name>WorkerTable</name>
    <message>
        <source>worker</source>
        <translation>工作进程</translation>
    </message>
    <message>
        <source>state</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>current</source>
        <translation>当前</translation>
    </message>
    <message>
        <source>done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>busy %</source>
        <translation>繁忙 %</translation>
    </message>
</context>
</TS>
