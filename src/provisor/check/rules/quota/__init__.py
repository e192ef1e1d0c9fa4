"""ResourceQuota rules: what the quota refuses, and whether it holds the demand at the
configured maximum (autoscalers, replicas, agent concurrency, claims)."""
