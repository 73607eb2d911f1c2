"""The inference pipeline job: an HTTP service with dynamic batching, back-pressure and live stages.

One module per job: ``config`` (sizes and limits), ``messages`` (what travels between stages),
``hops`` (queue helpers every stage uses), ``stage`` (the wiring and live controls every stage
shares), ``ingress`` (the HTTP server loop) with ``http_request`` (parsing, limits) and ``routing``
(open requests, answers back), ``preprocess`` (B workers), ``receiver`` (C, fan-in), ``batcher``
(the batching process) with ``batch_policy`` (the fixed / idle / target decisions),
``service_time`` (the a·n + b fit) and ``replicas`` (which predictor is free), ``predictor``,
``model`` (the default retrieval model), ``metrics`` (``/metrics`` text), ``service`` (owns and
supervises every stage process), ``loadtest`` (open-loop load generator).
"""
