"""Short, plain messages for JSON Schema errors: never a repr of the input, never a regex."""

from views.api import schemas

# What a pattern means, in words (the patterns themselves are in openapi.json for developers).
PATTERN_MEANINGS = {
    schemas.NUMBER["pattern"]: "may hold only letters, digits and . / _ - "
                               "(at most 40 characters, starting with a letter or digit)",
    schemas.PATH_NUMBER["pattern"]: "may hold only letters, digits and . _ - "
                                    "(at most 40 characters, starting with a letter or digit)",
    schemas.OPTIONAL_NUMBER_PATTERN: "may hold only letters, digits and . / _ - "
                                     "(at most 40 characters), or be empty",
    schemas.QUANTITY_PATTERN: "must be an exact decimal below 10,000,000,000 with at most 4 "
                              "decimal places, sent as a string such as \"2.5\"",
    schemas.RATE_PATTERN: "must be a percentage from 0 to 100 with at most 3 decimal places, "
                          "sent as a string such as \"20\"",
    schemas.TEXT_PATTERN: "contains a control character (such as NUL) that cannot be stored",
    schemas.REQUIRED_TEXT_PATTERN: "is required, and may not contain control characters",
    schemas.DATE_PATTERN: "must be a date in the form YYYY-MM-DD",
    schemas.EMAIL_PATTERN: "must be an email address, or empty",
}
TYPE_WORDS = {"string": "text", "number": "a number", "integer": "a whole number",
              "object": "an object", "array": "a list", "boolean": "true or false",
              "null": "null"}


def _types(expected):
    names = expected if isinstance(expected, list) else [expected]
    return " or ".join(TYPE_WORDS.get(name, name) for name in names)


def label_for(path):
    """The words for a field path: lines.0.unit_price -> "unit price", lines.1 -> "line 2"."""
    parts = list(path)
    if not parts:
        return "body"
    if isinstance(parts[-1], int):
        owner = str(parts[-2]) if len(parts) > 1 else "list"
        return f"{owner.rstrip('s').replace('_', ' ')} {parts[-1] + 1}"
    return str(parts[-1]).replace("_", " ")


def field_message(error, label=None):
    """One sentence for one jsonschema ValidationError, about the field and never its value."""
    label = label or label_for(error.absolute_path)
    return f"The {label} {_predicate(error)}."


def _predicate(error):
    kind, rule = error.validator, error.validator_value
    if isinstance(error.schema, dict) and error.schema.get("x-rule"):
        return error.schema["x-rule"]
    if kind == "pattern":
        return PATTERN_MEANINGS.get(rule, "is not in the expected form (see openapi.json)")
    if kind == "type":
        return f"must be {_types(rule)}"
    if kind == "enum":
        choices = [str(choice) for choice in rule if choice not in ("", None)]
        if len(choices) > 12:
            return "is not one of the allowed values (see openapi.json)"
        return "must be one of: " + ", ".join(choices)
    if kind == "minLength":
        return "is required" if rule == 1 else f"must be at least {rule} characters"
    if kind == "maxLength":
        return f"must be at most {rule} characters"
    if kind == "minItems":
        return f"must have at least {rule} item{'s' if rule != 1 else ''}"
    if kind == "maxItems":
        return f"may have at most {rule} items"
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        words = {"minimum": "at least", "maximum": "at most",
                 "exclusiveMinimum": "more than", "exclusiveMaximum": "less than"}
        return f"must be {words[kind]} {rule}"
    if kind == "format":
        return "must be a date in the form YYYY-MM-DD" if rule == "date" else (
            f"must be a valid {rule}")
    if kind in ("anyOf", "oneOf"):
        reasons = sorted({_predicate(sub) for sub in error.context or []}, key=len)
        return reasons[0] if reasons else "is not valid here (see openapi.json)"
    if kind == "not":
        return "is not allowed here"
    return "is not valid here (see openapi.json)"
