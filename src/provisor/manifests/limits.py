"""Input limits for :func:`provisor.manifests.load`: what makes an input "hostile".

Every limit has a documented default and can be changed by passing another
:class:`Limits` to ``load(..., limits=Limits(max_file_bytes=...))``. An input that exceeds a
limit is refused with one error finding (never an exception, never a traceback):

* ``max_file_bytes`` -- default 10 MiB (10,485,760 bytes) -> ``input/too-large``. Checked with
  ``stat`` before reading; standard input is read up to the limit plus one byte.
* ``max_nodes`` -- default 1,000,000 nodes per document after alias expansion ->
  ``input/alias-bomb`` when the document uses aliases (the "billion laughs" attack: a few
  hundred bytes of anchors and aliases that expand to 10^9 nodes), else ``input/too-large``.
* ``max_expanded_chars`` -- default 64 Mi characters of scalar text per document after alias
  expansion -> ``input/alias-bomb`` (many aliases to one large string: few nodes, but
  terabytes once printed as JSON). Without aliases a document cannot exceed the file size.
* ``max_depth`` -- default 100 levels of nesting -> ``input/too-deep``.
* ``binary_probe`` -- default 1,024 bytes -> ``input/binary`` when they hold a NUL byte or are
  not valid UTF-8.

Why these numbers: the largest file of the real corpus this project is tested on
(``shared/real``: kube-prometheus, Argo, the Kubernetes and VPA examples) is about 1 MB, and its
deepest document (the VPA CRD with its ``openAPIV3Schema``) is 21 levels deep. The expanded-node count is computed on the composed
YAML graph with memoisation (an alias is counted with the size of the subtree it points to,
without copying it), so refusing a bomb costs time proportional to the file, not to its
expansion. libyaml itself refuses nesting beyond 1,000 levels; that is reported as
``input/too-deep`` as well.

Shapes: all sizes are plain ``int`` (bytes, nodes, levels).
"""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Limits applied to every input file (see the module docstring for the table).

    Attributes:
        max_file_bytes: largest accepted file, in bytes (default 10 MiB).
        max_nodes: largest accepted document, in YAML/JSON nodes (scalars, mappings and
            sequences) counted after alias expansion (default 1,000,000).
        max_expanded_chars: most characters of scalar text (keys and values) one document may
            hold after alias expansion (default 64 Mi); only aliases can exceed it, since a
            file without aliases holds at most ``max_file_bytes`` of text.
        max_depth: deepest accepted nesting of mappings/sequences (default 100; the document's
            top-level mapping is level 1).
        binary_probe: how many leading bytes are inspected for NUL bytes and invalid UTF-8
            (default 1,024).
    """

    max_file_bytes: int = 10 * MiB
    max_nodes: int = 1_000_000
    max_expanded_chars: int = 64 * MiB
    max_depth: int = 100
    binary_probe: int = 1024

    def __post_init__(self) -> None:
        for name in ("max_file_bytes", "max_nodes", "max_expanded_chars", "max_depth",
                     "binary_probe"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Limits.{name} must be a positive integer, got {value!r}")


#: The defaults, shared (``Limits`` is immutable).
DEFAULT_LIMITS = Limits()
