"""Kubernetes semantics as pure functions, no I/O.

Every module here follows one upstream source file (named in its docstring) and is held to
that source's own test tables. The checker, the digital twin and the recommender share them;
nothing here imports ``check``, ``sim`` or ``cli``.

Objects going in and out are Kubernetes JSON-form dicts (as ``provisor.manifests`` loads
them), with quantities as strings; computed amounts are ``provisor.quantity.Quantity``.
"""

from __future__ import annotations


class AdmissionError(Exception):
    """An API request refused by admission or validation.

    ``str(err)`` is the message in Kubernetes' own wording (e.g. ``exceeded quota: ...``,
    ``maximum cpu usage per Container is 1, but limit is 2``).

    Attributes:
        message: the message, as the API server would put in ``Status.message``.
        code: the HTTP status code the API server would return: 403 (Forbidden, the admission
            plugins), 422 (Invalid, field validation), 429 (TooManyRequests, an eviction
            refused by a PodDisruptionBudget) or 500 (an internal error with an empty reason,
            e.g. quota's "insufficient quota to match these scopes").
        reason: the ``metav1.StatusReason``: ``Forbidden``, ``Invalid``, ``TooManyRequests``
            or ``""``.
    """

    def __init__(self, message: str, *, code: int = 403, reason: str = "Forbidden") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.reason = reason


__all__ = ["AdmissionError"]
