"""Runtime rules: memory the process inside the container will try to use (a JVM's heap, a
Node.js V8 heap) set against the container's memory limit."""
