"""Small display rules shared by the back-office features."""


def sentence_case(label) -> str:
    """Upper-case the first letter only ("code INSEE" → "Code INSEE", not "Code insee")."""
    label = str(label)
    return label[:1].upper() + label[1:]
