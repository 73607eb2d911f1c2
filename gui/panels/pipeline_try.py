"""The Pipeline panel's "Try it" box: one message to the running service, the answer shown.

Posted with QNetworkAccessManager, so the event loop never waits for the answer.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QByteArray, Qt, QUrl
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget


class TryItBox(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Try it", parent)
        self.endpoint = ""
        self.network = QNetworkAccessManager(self)
        self.text = QLineEdit()
        self.text.setPlaceholderText("type a customer message, e.g. 请问这个还有货吗")
        self.text.returnPressed.connect(self.send)
        self.button = QPushButton("Send")
        self.button.clicked.connect(self.send)
        self.button.setEnabled(False)
        self.answer = QLabel("")
        self.answer.setWordWrap(True)
        self.answer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.answer.setObjectName("tryAnswer")
        row = QHBoxLayout()
        row.addWidget(self.text, 1)
        row.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.answer)

    def set_endpoint(self, endpoint: str) -> None:
        """The service answers at ``endpoint`` (empty: none; Send is disabled)."""
        self.endpoint = endpoint
        self.button.setEnabled(bool(endpoint))

    def send(self) -> None:
        text = self.text.text().strip()
        if not text or not self.endpoint:
            return
        request = QNetworkRequest(QUrl(f"{self.endpoint}/v1/predict"))
        request.setHeader(QNetworkRequest.KnownHeaders.ContentTypeHeader, "application/json")
        request.setTransferTimeout(15_000)
        reply = self.network.post(request, QByteArray(json.dumps({"text": text}).encode()))
        reply.finished.connect(lambda: self._on_finished(reply))
        self.answer.setText("asking…")

    def _on_finished(self, reply: QNetworkReply) -> None:
        body = bytes(reply.readAll().data())
        status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
        reply.deleteLater()
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            payload = {}
        if status == 200 and "answer" in payload:
            answer = payload["answer"]
            if isinstance(answer, dict) and "reply" in answer:
                shown = (f"<b>{answer.get('reply') or '(no similar question indexed)'}</b><br>"
                         f"score {answer.get('score', 0):.3f} · matched “{answer.get('matched') or '–'}”")
            else:
                shown = f"<b>{json.dumps(answer, ensure_ascii=False)}</b>"
            self.answer.setText(f"{shown} · {payload.get('latency_ms', 0):.0f} ms · id {payload.get('id')}")
        else:
            reason = payload.get("error") or reply.errorString()
            self.answer.setText(f"<span style='color:#c62828'>{status or 'no answer'}: {reason}</span>")
