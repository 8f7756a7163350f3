"""Closed lists the profile, credential and project forms choose from."""

from __future__ import annotations

DOMAINS: tuple[tuple[str, str, bool], ...] = (
    # slug, name, sensitive (projects in it require a verified credential)
    ("software-engineering", "Software engineering", False),
    ("mathematics", "Mathematics", False),
    ("physics", "Physics", False),
    ("chemistry", "Chemistry", False),
    ("biology", "Biology", False),
    ("medicine", "Medicine", True),
    ("nursing", "Nursing", False),
    ("pharmacy", "Pharmacy", False),
    ("law", "Law", True),
    ("finance", "Finance", True),
    ("accounting", "Accounting", False),
    ("economics", "Economics", False),
    ("education", "Education", False),
    ("journalism", "Journalism", False),
    ("creative-writing", "Creative writing", False),
    ("translation", "Translation", False),
    ("general-writing", "General writing", False),
)

LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2", "native")
WORKING_LEVELS = frozenset({"C1", "C2", "native"})

CONTENT_RISKS: dict[str, str] = {
    "violence": "Violence",
    "self-harm": "Self-harm and suicide",
    "sexual": "Sexual content",
    "hate": "Hate and harassment",
    "medical-imagery": "Graphic medical imagery",
    "extremism": "Extremism and terrorism",
    "drugs": "Drugs and weapons",
}

CREDENTIAL_KINDS: dict[str, str] = {
    "licence": "Professional licence",
    "degree": "Degree",
    "certification": "Certification",
    "employment": "Employment",
}

DECLINE_REASONS: dict[str, str] = {
    "illegible": "The evidence cannot be read.",
    "mismatch": "The evidence does not match the name, issuer or identifier given.",
    "expired-document": "The document had expired when it was checked.",
    "unverifiable": "The issuer could not confirm the credential.",
    "not-relevant": "The credential does not support the domain it was filed under.",
}

# ISO 639-1 codes of languages most often asked for; the list is maintained here.
LANGUAGES: dict[str, str] = {
    "ar": "Arabic",
    "bn": "Bengali",
    "cs": "Czech",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French",
    "he": "Hebrew",
    "hi": "Hindi",
    "hu": "Hungarian",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "ms": "Malay",
    "nl": "Dutch",
    "no": "Norwegian",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sv": "Swedish",
    "sw": "Swahili",
    "ta": "Tamil",
    "th": "Thai",
    "tl": "Tagalog",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "vi": "Vietnamese",
    "yo": "Yoruba",
    "zh": "Chinese",
}
