"""Money and percentages as a council paper writes them."""

from decimal import ROUND_HALF_UP, Decimal


def format_money(amount: Decimal | int | None) -> str:
    """'£700,000', '£1,900,000', '£12,000.50'; pence only when there are some."""
    if amount is None:
        return ""
    amount = Decimal(amount)
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if amount == amount.to_integral_value():
        return f"{sign}£{amount:,.0f}"
    return f"{sign}£{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


def format_percentage(value: Decimal | int | None) -> str:
    """'2.5%', '35%'; no trailing zeros."""
    if value is None:
        return ""
    value = Decimal(value)
    text = f"{value.normalize():f}"
    return f"{text}%"


def sum_to_money(value) -> Decimal:
    """A sum from raw SQL as pounds and pence: SQLite sums decimals as floats."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
