"""Shared pieces of the network factories."""


def check_int(name, value, minimum):
    """Raise `ValueError` unless `value` is an int (not a bool) >= `minimum`.

    Args:
        name: the argument's name, for the message.
        value: the value received.
        minimum: the smallest value allowed.

    Example:
    ```python
    check_int("filters", filters, 1)
    ```
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"`{name}` must be an int >= {minimum}. Received: {name}={value!r}")
