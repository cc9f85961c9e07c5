"""Money as an integer of minor units of one currency, written out without a float.

The order service keeps dealer accounts in these units; the gateway prints them in
statements. Both read a currency's exponent (its digits after the point) from here.
"""

from __future__ import annotations

# ISO 4217 exponents of the currencies the channel keeps accounts in.
CURRENCY_EXPONENTS = {"CNY": 2, "EUR": 2, "USD": 2, "GBP": 2, "HKD": 2, "CHF": 2, "JPY": 0, "KRW": 0}


def exponent(currency: str) -> int:
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise ValueError(f"unknown currency '{currency}' (known: {', '.join(sorted(CURRENCY_EXPONENTS))})") from None


def format_amount(minor: int | str, currency: str, *, grouped: bool = False) -> str:
    """12345 CNY -> '123.45'; -5 CNY -> '-0.05'; 12345 JPY -> '12345'; grouped: '1,234.56'.

    Ungrouped, it is what a bank file or a spreadsheet reads back."""
    amount = int(minor)
    places = exponent(currency)
    whole, fraction = divmod(abs(amount), 10**places)
    text = f"{whole:,}" if grouped else str(whole)
    if places:
        text = f"{text}.{fraction:0{places}d}"
    return f"-{text}" if amount < 0 else text
