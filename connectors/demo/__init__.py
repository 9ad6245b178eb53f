"""Seeded demo data: a CSV source folder and a config file to try crm-accounts without a CRM."""

from .generator import DEFAULT_ACCOUNTS, DEFAULT_SEED, DemoFolder, generate_demo

__all__ = ["DEFAULT_ACCOUNTS", "DEFAULT_SEED", "DemoFolder", "generate_demo"]
