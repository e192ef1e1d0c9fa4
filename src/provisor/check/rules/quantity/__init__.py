"""Quantity rules: values that parse but cannot be what the author meant (memory in
milli-bytes, CPU with a byte suffix, a unit left out), with what the value means and what
was probably meant."""
