"""The inference pipeline job: an HTTP service with dynamic batching, back-pressure and live stages.

One module per job: ``config`` (sizes and limits), ``messages`` (what travels between stages),
``hops`` (queue helpers every stage uses), ``ingress`` (HTTP in/out), ``preprocess`` (B workers),
``receiver`` (C, fan-in), ``batcher``, ``predictor``, ``model`` (the default retrieval model),
``service`` (owns and supervises every stage process), ``loadtest`` (open-loop load generator).
"""
