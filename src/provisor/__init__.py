"""provisor: resource management for a multi-agent coding platform on Kubernetes.

One policy file is rendered into plain Kubernetes objects (``provisor.render``); every
other stage (``check``, ``sim``, ``recommend``) reads objects, so it works the same on a
user's own manifests. Kubernetes semantics live in ``provisor.k8s`` only.
"""

__version__ = "0.1.0"
