// The admin's autocomplete (Select2) names its combobox after the chosen value only, so an empty
// one (a case's recipient not chosen yet) has no name at all for a screen reader. Name it after
// the field's label, and keep the value.
"use strict";

function nameAutocomplete(select) {
    const label = document.querySelector(`label[for="${select.id}"]`);
    const container = select.nextElementSibling;
    if (!label || !container) {
        return;
    }
    const selection = container.querySelector(".select2-selection");
    const rendered = container.querySelector(".select2-selection__rendered");
    if (!selection || !rendered) {
        return;
    }
    label.id = label.id || `${select.id}-label`;
    selection.setAttribute("aria-labelledby", `${label.id} ${rendered.id}`);
    rendered.setAttribute("aria-labelledby", label.id);
}

// After the admin's own ready-handler (autocomplete.js registers its handler first, and
// jQuery runs them in order); pages without the admin's jQuery have no autocomplete.
if (window.django && window.django.jQuery) {
    window.django.jQuery(() => {
        document.querySelectorAll("select.admin-autocomplete").forEach(nameAutocomplete);
    });
}
