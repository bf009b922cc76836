"""The password rule, shared by adding users, an admin setting one, and changing your own."""

MIN_PASSWORD = 10
MAX_PASSWORD = 200


def password_problem(password, confirmation=None, email=""):
    """What is wrong with a new password (and its confirmation when given), or None."""
    if len(password) < MIN_PASSWORD:
        return f"The password must be at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"The password must be at most {MAX_PASSWORD} characters."
    if not password.isprintable():
        return "The password may not contain control characters."
    if email and password.strip().lower() == email.strip().lower():
        return "The password may not be your email address."
    if confirmation is not None and confirmation != password:
        return "The two new passwords differ. Type the same password twice."
    return None
