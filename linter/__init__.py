"""eksa-lint: a linter for EKS Anywhere networking (cluster configs, policies, Multus NADs)."""

__version__ = "0.1.0"
