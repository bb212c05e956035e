"""arabic-ie in a spaCy pipeline: the `arabic_ie` component (the `spacy` extra).

    import spacy
    nlp = spacy.blank("ar")
    nlp.add_pipe("arabic_ie")                       # the shipped packs; config={"rules": ["my-pack.yaml"]}
    doc = nlp("وأجرى الوزير محادثات مع الفريق خليفة حفتر في بنغازي.")
    for span in doc.spans["arabic_ie"]:
        print(span.label_, span.text, span._.args, span._.mention["start"])

The factory is registered through the `spacy_factories` entry point, so `add_pipe("arabic_ie")`
works once arabic-ie is installed, without importing anything. `dsl.spacy.component` holds the
component, its configuration and its serialization; the README's "spaCy" section documents them.
Importing this package imports spaCy.
"""
from __future__ import annotations

from dsl.spacy.component import ArabicIE, register_extensions

__all__ = ["ArabicIE", "register_extensions"]
