"""Resource amounts of the VPA recommender model and their conversions.

Follows kubernetes/autoscaler ``vertical-pod-autoscaler/pkg/recommender/model/types.go``.

A *resource amount* is an ``int``: CPU in millicores, memory in bytes, in the range
[0, ``MAX_RESOURCE_AMOUNT``] (1e14). ``Resources`` is a ``dict`` from resource name (``"cpu"``,
``"memory"``) to amount. Histograms hold CPU as float *cores* and memory as float bytes; the
conversions below truncate toward zero the way Go's ``ResourceAmount(float)`` does.

Public API: ``RESOURCE_CPU``, ``RESOURCE_MEMORY``, ``MAX_RESOURCE_AMOUNT``,
``cpu_amount_from_cores``, ``cores_from_cpu_amount``, ``memory_amount_from_bytes``,
``bytes_from_memory_amount``, ``scale_resource``, ``resource_amount_max``,
``resource_amount_from_float``, ``quantity_from_cpu_amount``, ``quantity_from_memory_amount``,
``resources_as_resource_list``, ``humanize_memory_quantity``, ``round_up_to_scale``,
``resource_names_api_to_model``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from fractions import Fraction

from provisor.quantity import Quantity

from ._gomath import go_float_to_int64

__all__ = [
    "MAX_RESOURCE_AMOUNT",
    "RESOURCE_CPU",
    "RESOURCE_MEMORY",
    "Resources",
    "bytes_from_memory_amount",
    "cores_from_cpu_amount",
    "cpu_amount_from_cores",
    "humanize_memory_quantity",
    "memory_amount_from_bytes",
    "quantity_from_cpu_amount",
    "quantity_from_memory_amount",
    "resource_amount_from_float",
    "resource_amount_max",
    "resource_names_api_to_model",
    "resources_as_resource_list",
    "round_up_to_scale",
    "scale_resource",
]

RESOURCE_CPU = "cpu"
RESOURCE_MEMORY = "memory"
#: Largest allowed resource amount (upstream ``MaxResourceAmount = ResourceAmount(1e14)``).
MAX_RESOURCE_AMOUNT = 100_000_000_000_000
_MAX_RESOURCE_AMOUNT_F = 1e14

Resources = dict[str, int]


def resource_amount_from_float(amount: float) -> int:
    """Clamp to [0, 1e14] and truncate toward zero (NaN gives Go's amd64 ``MinInt64``)."""
    if amount > _MAX_RESOURCE_AMOUNT_F:
        return MAX_RESOURCE_AMOUNT
    if amount < 0:
        return 0
    return go_float_to_int64(amount)


def cpu_amount_from_cores(cores: float) -> int:
    """Cores (float) to millicores (int): ``truncate(cores * 1000.0)``, clamped."""
    return resource_amount_from_float(cores * 1000.0)


def cores_from_cpu_amount(cpu_amount: int) -> float:
    """Millicores to cores: ``float(cpu_amount) / 1000.0``."""
    return float(cpu_amount) / 1000.0


def memory_amount_from_bytes(nbytes: float) -> int:
    """Bytes (float) to bytes (int), truncated and clamped."""
    return resource_amount_from_float(nbytes)


def bytes_from_memory_amount(memory_amount: int) -> float:
    """Bytes (int) to float."""
    return float(memory_amount)


def scale_resource(amount: int, factor: float) -> int:
    """``amount * factor`` in float64, truncated and clamped like upstream ``ScaleResource``."""
    return resource_amount_from_float(float(amount) * factor)


def resource_amount_max(amount1: int, amount2: int) -> int:
    """The larger of two amounts."""
    return amount1 if amount1 > amount2 else amount2


def quantity_from_cpu_amount(cpu_amount: int) -> Quantity:
    """Millicores as a DecimalSI Quantity (``resource.NewScaledQuantity(amount, -3)``)."""
    return Quantity.from_value(Fraction(cpu_amount, 1000), "DecimalSI")


def quantity_from_memory_amount(memory_amount: int) -> Quantity:
    """Bytes as a BinarySI Quantity (``resource.NewQuantity(amount, BinarySI)``)."""
    return Quantity.from_value(memory_amount, "BinarySI")


_KIB = 1024
_MIB = 1024 * _KIB
_GIB = 1024 * _MIB
_TIB = 1024 * _GIB


def humanize_memory_quantity(nbytes: int) -> str:
    """Bytes as a binary-suffixed string with two decimals (``"1.50Gi"``), plain digits
    below 1Ki. Upstream ``HumanizeMemoryQuantity`` (deprecated ``--humanize-memory``)."""
    if nbytes >= _TIB:
        return f"{float(nbytes) / float(_TIB):.2f}Ti"
    if nbytes >= _GIB:
        return f"{float(nbytes) / float(_GIB):.2f}Gi"
    if nbytes >= _MIB:
        return f"{float(nbytes) / float(_MIB):.2f}Mi"
    if nbytes >= _KIB:
        return f"{float(nbytes) / float(_KIB):.2f}Ki"
    return str(nbytes)


def round_up_to_scale(value: int, scale: int) -> int:
    """``ceil(value / scale) * scale`` computed in float64 as upstream ``RoundUpToScale``.

    Raises ``ValueError("scale must be greater than zero")`` for scale <= 0 (upstream returns
    the value unchanged together with that error).
    """
    if scale <= 0:
        raise ValueError("scale must be greater than zero")
    return go_float_to_int64(math.ceil(float(value) / float(scale))) * scale


def resources_as_resource_list(
    resources: Mapping[str, int],
    humanize_memory: bool = False,
    round_cpu_millicores: int = 1,
    round_memory_bytes: int = 1,
) -> dict[str, Quantity]:
    """Model resources to a Kubernetes resource list of Quantities.

    CPU becomes millicores (DecimalSI), memory bytes (BinarySI); non-zero values are rounded up
    to a multiple of ``round_cpu_millicores`` / ``round_memory_bytes`` when those are not 1 (a
    non-positive scale leaves the value unchanged, as upstream logs and carries on); with
    ``humanize_memory`` memory is re-parsed from ``humanize_memory_quantity``. Unknown names are
    skipped. Upstream ``ResourcesAsResourceList``.
    """
    result: dict[str, Quantity] = {}
    for key, amount in resources.items():
        if key == RESOURCE_CPU:
            quantity = quantity_from_cpu_amount(amount)
            if round_cpu_millicores != 1 and not quantity.is_zero():
                rounded = amount
                if round_cpu_millicores > 0:
                    rounded = round_up_to_scale(amount, round_cpu_millicores)
                quantity = quantity_from_cpu_amount(rounded)
        elif key == RESOURCE_MEMORY:
            quantity = quantity_from_memory_amount(amount)
            if round_memory_bytes != 1 and not quantity.is_zero():
                rounded = amount
                if round_memory_bytes > 0:
                    rounded = round_up_to_scale(amount, round_memory_bytes)
                quantity = quantity_from_memory_amount(rounded)
            if humanize_memory and not quantity.is_zero():
                quantity = Quantity.parse(humanize_memory_quantity(quantity.int_value()))
        else:
            continue
        result[key] = quantity
    return result


def resource_names_api_to_model(names: Iterable[str]) -> list[str]:
    """Keep ``"cpu"`` and ``"memory"`` from an API resource-name list, in order."""
    return [n for n in names if n == RESOURCE_CPU or n == RESOURCE_MEMORY]
