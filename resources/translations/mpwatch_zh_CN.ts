<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Charts</name>
    <message>
        <source>Throughput</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>rows/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dropped rows by reason</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>per second</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>mmi writer queue (batches)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>depth</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>RSS per process</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Throughput per stage</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>items/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Queue depth per hop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Latency (answered requests)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>items</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Flush reasons</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>batches</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Answers by HTTP status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>requests/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>elapsed</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CleanForm</name>
    <message>
        <source>missing values</source>
        <extracomment>(CleanRules switch, label, tooltip) of each rule check box (English source texts, context CleanForm).</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>drop rows missing 坐席id, 客户微信id, 是否客服 or 消息内容</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>role (是/否)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>normalise 是/否, 客服/客户, True/False, 1/0; drop unknown roles</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>remove emoji</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>multi-part emoji go whole</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>collapse newlines</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>newlines, tabs and runs of spaces become one space</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>system messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>exact match after trimming, list below</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>empty after clean</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>drop messages that are empty once cleaned</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>duplicates</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>exact duplicate rows</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chat exports to clean</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>files or folders, separated by ;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folder for the cleaned segments</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>output folder (segments + report.json)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>defaults: agent=坐席id,customer=客户微信id,role=是否客服,content=消息内容,time=消息时间</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>every sheet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>resume</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>skip segments a previous run in this output folder completed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>duplicates within each file, or across the whole run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>each file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the whole run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>one system message per line (exact match after trimming)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>also drop messages containing… (separate with ;)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Workers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Format</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Files per segment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>duplicates within</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>min length</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Inputs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Columns</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>System messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>…or containing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clean chat exports</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rules (each drop is counted by reason)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the chat exports (files or a folder) first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose an output folder first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Columns: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folder of chat exports (searched recursively)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CleanPanel</name>
    <message>
        <source>missing</source>
        <extracomment>Short labels of the drop reasons for the bar chart&apos;s axis (English source, context CleanPanel).</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>role?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>system</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>empty</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>short</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>too long</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>duplicate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>dup (run)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>only failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Workers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No .xlsx, .xls, .csv or .parquet file in the inputs.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{written}/{total} segments</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> ({n} empty: all files failed)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{rows} rows read, {rate} rows/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Files: {finished} finished, {failed} failed (double-click a row for details)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pending files ({n}, first {shown} shown)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pending files ({n})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cleaned</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DemoPanel</name>
    <message>
        <source>Output folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rows per file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Seed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Workers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folder for the demo exports</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>folder to write chat_NNNN.xlsx into</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Generate demo chat exports</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Writes customer-service chats (坐席id, 客户微信id, 是否客服, 消息内容, 消息时间) with the dirt the Clean job removes: system messages, emoji, empty cells, duplicates, newlines, formula-looking text.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose an output folder first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{done} / {total} files</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DialoguesPanel</name>
    <message>
        <source>1 · Read + normalise + partition</source>
        <extracomment>The phase lines&apos; titles (English source, context DialoguesPanel).</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>2 · Keys: count dialogues, choose val</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>3 · Build + write std/mmi</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chat exports (raw or cleaned)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>files or folders, separated by ;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folder for std/ and mmi/</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>output folder (std/, mmi/, dialogues-report.json)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Inputs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a count of dialogues (10000) or a fraction (0.05); train keeps at least half</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>坐席: / 客户: before each utterance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Val size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Seed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Min turns</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Readers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Memory budget</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>std/train.txt (first dialogues)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>mmi/train.txt (same dialogues, reversed)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dialogue text for GPT-2 chitchat (std) and its MMI model (mmi)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phases</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>first std dialogues appear here</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>…and the same dialogues reversed (mmi)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the chat exports (files or folders) first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not found: {paths}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose an output folder first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Val size: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{done} / {total} files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} dialogues</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} std lines</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FileTable</name>
    <message>
        <source>file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>rows in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>rows out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>dropped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>worker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>nothing dropped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{path}

rows in {rows_in}, out {rows_out}

dropped:
{tip}

worker {worker}, {seconds} s, attempts {attempts}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{path}

{reason}

attempts: {attempts}, worker: {worker}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>JobPanel</name>
    <message>
        <source>Start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot start {job}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clean</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open output folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Demo data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dialogues</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pipeline</source>
        <extracomment>The stages (as they name themselves in snapshots); ``term(stage)`` is a stage&apos;s title in the diagram and the charts (&quot;A ingress&quot;, …).</extracomment>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LoadGeneratorBox</name>
    <message>
        <source>Load generator (open loop, Poisson arrivals)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Max open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopping load…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop load</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel queued load</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start load</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start load when ready</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The service is starting: the load starts by itself once the predictors are ready.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start the inference service first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{rate} req/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Load queued: it starts by itself when the predictors are ready ({ready}/{total} ready).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>sent {sent} · {statuses}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no answers yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>client latency p50 {p50} ms · p99 {p99} ms · open {open}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} not sent (max open reached)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>stopped</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainMenu</name>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open inputs…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open output folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recent folders</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reset layout</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About mpwatch</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where the logs are</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(none yet)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;mpwatch&lt;/b&gt; runs multiprocess data jobs on one machine and shows them live.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The &lt;b&gt;Log&lt;/b&gt; tab at the bottom of the window lists job starts and ends, failed files, dead workers and warnings of this session; it is not written to disk.&lt;br&gt;&lt;br&gt;Every job writes its own report next to its output: Clean → report.json, Dialogues → dialogues-report.json.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output folder of this tab: {folder}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings file: {path}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>mpwatch ready. Start with Demo data if you have no chat logs yet.</source>
        <extracomment>(module, class) of each job panel, in tab order. A panel whose module is absent is skipped.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Processes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>How late the status timer fires (mean / max over the last 5 s). Large values mean the window is starved.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>UI lag –</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>UI lag {mean} ms (max {max})</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) running</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n engine process(es)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>idle</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>stopping jobs before closing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop running jobs?</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) still running. Stop them and quit?</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PathPicker</name>
    <message>
        <source>Files…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chat exports (*.xlsx *.xlsm *.xls *.csv *.parquet);;All files (*)</source>
        <extracomment>File-dialog filter for the chat exports every job reads (English source, context PathPicker).</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PipelinePanel</name>
    <message>
        <source>port</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>0 picks a free port</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Applies live to a running service</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dialogues output folder to index</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>empty: demo dialogues made on the spot</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Listen on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Preprocess workers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Receivers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Predictor replicas</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Max batch</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Max delay</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Index</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Endpoint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Inference service</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>failed: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>stopped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{url}/v1/predict  (starting…)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{error}. Choose another port (0 picks a free one).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{folder} holds no std/train.txt: choose a Dialogues output folder, or leave it empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>in flight {n}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>waiting {n}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>answered {counts}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>predictors ready {ready}/{total}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{restarts} stage restarts, {lost} requests answered with an error</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ProcessTable</name>
    <message>
        <source>job</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>role</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>state</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>exit code</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ProgressBox</name>
    <message>
        <source>ETA {eta}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>StageDiagram</name>
    <message>
        <source>busy {percent} %</source>
        <extracomment>A stage busier than this can be the bottleneck.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>◀ bottleneck</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>answers by id · results queue {depth}/{bound}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Terms</name>
    <message>
        <source>missing value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown role</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>system message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>empty after clean</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>too short</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>too long for xlsx</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>duplicate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>duplicate in run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>short dialogue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>empty</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>rows</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>rows written</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>items</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cleaning</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>writing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>busy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>idle</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>died</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>exited</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ok</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>deadline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>shed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>shutdown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A ingress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>B preprocess</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>C receivers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>batcher</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>predictor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>conn error</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TryItBox</name>
    <message>
        <source>Try it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>type a customer message, e.g. 请问这个还有货吗</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The service is starting; Send works once the predictors are ready.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start the inference service first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>asking…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(no similar question indexed)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>score {score} · matched “{matched}”</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>answered in {round_trip} ms (service {service} ms) · id {id}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{status}: {reason} (after {round_trip} ms)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no answer</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>WorkerTable</name>
    <message>
        <source>worker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>state</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>current</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>busy %</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
