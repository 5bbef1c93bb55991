"""What every back-office form shares: the date formats agents type, and the accessibility wiring that
templates/includes/field.html and form_errors.html rely on."""

FRENCH_DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y"]


class AccessibleFormMixin:
    """Tie help texts and errors to their input (aria-describedby), as includes/field.html names them."""

    def full_clean(self):
        super().full_clean()
        if not self.is_bound:
            return
        for name, field in self.fields.items():
            bound = self[name]
            described_by = []
            if field.help_text:
                described_by.append(f"{bound.id_for_label}_help")
            if name in self.errors:
                described_by.append(f"{bound.id_for_label}_error")
                field.widget.attrs["aria-invalid"] = "true"
            if described_by:
                field.widget.attrs["aria-describedby"] = " ".join(described_by)
