"""The Pipeline panel's "Try it" box: one message to the running service, the answer shown.

Posted with QNetworkAccessManager, so the event loop never waits for the answer. The answer line
says how long it took: the round trip measured here and the service's own ``latency_ms``. Send is
disabled while there is no service to ask, with the reason next to it.
"""

from __future__ import annotations

import json
import time

from PySide6.QtCore import QT_TRANSLATE_NOOP, QByteArray, QCoreApplication, Qt, QUrl
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from engine.coded_errors import CodedText
from gui.engine_messages import engine_text, http_status_text
from gui.widgets.retranslate import RetranslateOnLanguageChange

Error = QNetworkReply.NetworkError

# Why a request got no answer, for the errors a stopped or overloaded local service gives; any other
# is Qt's own text (errorString()).
NETWORK_ERRORS = {
    Error.ConnectionRefusedError: QT_TRANSLATE_NOOP("TryItBox", "connection refused (is the service running?)"),
    Error.RemoteHostClosedError: QT_TRANSLATE_NOOP("TryItBox", "the service closed the connection"),
    Error.HostNotFoundError: QT_TRANSLATE_NOOP("TryItBox", "host not found"),
    Error.TimeoutError: QT_TRANSLATE_NOOP("TryItBox", "no answer in time"),
    Error.OperationCanceledError: QT_TRANSLATE_NOOP("TryItBox", "no answer in time"),
    Error.NetworkSessionFailedError: QT_TRANSLATE_NOOP("TryItBox", "the network is down"),
}


def network_error_text(reply: QNetworkReply) -> str:
    """Why ``reply`` has no HTTP answer, in the UI language (Qt's English for an uncommon error)."""
    source = NETWORK_ERRORS.get(reply.error())
    return QCoreApplication.translate("TryItBox", source) if source else reply.errorString()


class TryItBox(RetranslateOnLanguageChange, QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.endpoint = ""
        self.service_starting = False
        self.last_round_trip_ms: float | None = None
        self.network = QNetworkAccessManager(self)
        self.text = QLineEdit()
        self.text.returnPressed.connect(self.send)
        self.button = QPushButton()
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
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(self.tr("Try it"))
        self.text.setPlaceholderText(self.tr("type a customer message, e.g. 请问这个还有货吗"))
        self.button.setText(self.tr("Send"))
        self._update_reason()

    def set_endpoint(self, endpoint: str) -> None:
        """The service answers at ``endpoint`` (empty: none; Send is disabled)."""
        self.endpoint = endpoint
        if endpoint:
            self.service_starting = False
        self.button.setEnabled(bool(endpoint))
        self._update_reason()

    def set_service_state(self, starting: bool) -> None:
        self.service_starting = starting
        self._update_reason()

    def _update_reason(self) -> None:
        """Why Send is disabled, on its tooltip (and in the answer line while nothing was asked)."""
        if self.endpoint:
            reason = ""
        elif self.service_starting:
            reason = self.tr("The service is starting; Send works once the predictors are ready.")
        else:
            reason = self.tr("Start the inference service first.")
        self.button.setToolTip(reason)
        if not self.answer.text() or self.answer.property("is_reason"):
            self.answer.setText(reason)
            self.answer.setProperty("is_reason", bool(reason))

    def send(self) -> None:
        text = self.text.text().strip()
        if not text or not self.endpoint:
            return
        request = QNetworkRequest(QUrl(f"{self.endpoint}/v1/predict"))
        request.setHeader(QNetworkRequest.KnownHeaders.ContentTypeHeader, "application/json")
        request.setTransferTimeout(15_000)
        reply = self.network.post(request, QByteArray(json.dumps({"text": text}).encode()))
        sent = time.perf_counter()
        reply.finished.connect(lambda: self._on_finished(reply, sent))
        self.answer.setProperty("is_reason", False)
        self.answer.setText(self.tr("asking…"))

    def _on_finished(self, reply: QNetworkReply, sent: float) -> None:
        self.last_round_trip_ms = (time.perf_counter() - sent) * 1000.0
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
                shown = "<b>{}</b><br>".format(answer.get("reply") or self.tr("(no similar question indexed)"))
                shown += self.tr("score {score} · matched “{matched}”").format(
                    score=f"{answer.get('score', 0):.3f}", matched=answer.get("matched") or "–"
                )
            else:
                shown = f"<b>{json.dumps(answer, ensure_ascii=False)}</b>"
            timing = self.tr("answered in {round_trip} ms (service {service} ms) · id {id}").format(
                round_trip=f"{self.last_round_trip_ms:.0f}",
                service=f"{payload.get('latency_ms', 0):.0f}",
                id=payload.get("id"),
            )
            self.answer.setText(f"{shown}<br>{timing}")
        else:
            reason = service_reason(payload) or network_error_text(reply)
            failed = self.tr("{status}: {reason} (after {round_trip} ms)").format(
                status=http_status_text(status) if status else self.tr("no answer"),
                reason=reason,
                round_trip=f"{self.last_round_trip_ms:.0f}",
            )
            self.answer.setText(f"<span style='color:#c62828'>{failed}</span>")


def service_reason(payload: object) -> str:
    """The service's error from a JSON body, in the window's language when it is coded (``code`` and
    ``params`` beside ``error``: the 503s of target mode and of overload); "" without one."""
    if not isinstance(payload, dict) or not payload.get("error"):
        return ""
    error, coded = str(payload["error"]), CodedText.read(payload)
    return engine_text(coded.code, coded.params, error) if coded is not None else error
