"""Deal amounts in one currency: refuse mixed currencies or convert with configured rates. Pure.

A multi-currency HubSpot account stores each deal's currency in ``deal_currency_code`` and its
amount in that currency ("Upcoming: Enforcing Deal Currency Code Validation",
https://developers.hubspot.com/changelog/deal-currenct-code-validation). Amounts in different
currencies are never summed as they are:

* ``currency_mode = "refuse"`` (default): every deal must be in ``[hubspot] currency`` (or, when
  that is not set, in the currency of the first deal read, "no code" counting as one); a deal in
  another currency stops the read with a :class:`~crm_accounts.errors.ConfigError` naming the
  deal and both currencies.
* ``currency_mode = "convert"``: amounts (and margins) in another currency are multiplied by
  ``currency_rates[code]``, the value of one unit in ``currency``; a currency without a rate
  stops the read the same way.

A deal without a currency code is in the account's company currency: ``currency`` when set.
"""

from __future__ import annotations

from decimal import Decimal, localcontext

from crm_accounts.config import HubSpotSection
from crm_accounts.domain.revenue import EXACT
from crm_accounts.errors import ConfigError

__all__ = ["CurrencyConverter"]


class CurrencyConverter:
    """Brings every deal amount into one currency, or refuses; remembers what it converted."""

    def __init__(self, section: HubSpotSection) -> None:
        self.home = section.currency
        self.convert = section.currency_mode == "convert"
        self.rates = dict(section.currency_rates)
        #: The currency every amount is in: ``currency``, else the first deal's ("" for none).
        self.reference: str | None = self.home
        self.converted: dict[str, int] = {}

    def __call__(self, deal_id: str, currency: str | None, amount: Decimal) -> Decimal:
        """``amount`` of deal ``deal_id`` in the reporting currency.

        Raises:
            ConfigError: a currency that may not be summed with the others, or has no rate.
        """
        code = currency or self.home or ""
        if self.reference is None:
            self.reference = code
        if code == self.reference:
            return amount
        if not self.convert:
            theirs = self.reference or "no currency code"
            raise ConfigError(
                f"[hubspot] deal {deal_id} is in {code or 'no currency code'} but other deals "
                f"are in {theirs}; amounts in different currencies are not summed. Set "
                'currency = "<the currency to report in>", currency_mode = "convert" and '
                "currency_rates (the value of one unit of each other currency in it)"
            )
        rate = self.rates.get(code)
        if rate is None:
            raise ConfigError(
                f"[hubspot] currency_rates: no rate for {code} (deal {deal_id}); add "
                f"currency_rates.{code} = <value of one {code} in {self.reference}>"
            )
        self.converted[code] = self.converted.get(code, 0) + 1
        with localcontext(prec=EXACT):
            return amount * rate
