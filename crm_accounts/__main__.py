"""``python -m crm_accounts`` runs the command line."""

from .cli import main

main()
