"""Adapters between CRMs or files and the crm-accounts domain."""
