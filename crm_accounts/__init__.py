"""crm-accounts: key-account management inside the CRM a sales team already uses.

The public API: the pure method in :mod:`crm_accounts.domain`, the configuration in
:mod:`crm_accounts.config`, the connector port in :mod:`crm_accounts.ports`, and the services in
:mod:`crm_accounts.services`.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
