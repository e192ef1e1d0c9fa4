"""Storage rules: PersistentVolumeClaims (objects, volumeClaimTemplates, ephemeral volumes)
against LimitRange PVC bounds and storage quotas."""
