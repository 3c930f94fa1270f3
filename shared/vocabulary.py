"""The program's controlled vocabularies: focus areas leaders learn and growth goals juniors pursue."""

from __future__ import annotations

FOCUS_AREAS: dict[str, str] = {
    "digital-transformation": "Digital transformation",
    "social-media-influencer-marketing": "Social media & influencer marketing",
    "gen-z-consumer-trends": "Gen-Z consumer trends & buying behaviour",
    "sustainability-authenticity": "Sustainability & authenticity",
    "collaboration-tools": "Collaboration tools (Slack, Asana, Zoom…)",
    "remote-hybrid-leadership": "Remote & hybrid leadership",
    "ai-tools": "Generative AI in everyday work",
    "employer-branding": "Employer branding with younger talent",
}

GROWTH_GOALS: dict[str, str] = {
    "strategy": "Corporate strategy",
    "decision-making": "Executive decision-making",
    "leadership": "Leadership exposure",
    "stakeholder-management": "Stakeholder management",
    "executive-communication": "Executive communication",
    "financial-acumen": "Financial acumen",
    "career-navigation": "Career navigation",
}

CUSTOM_AREA_PREFIX = "custom:"

# A program's default weight per score component; admins override them per program or per match run.
DEFAULT_WEIGHTS: dict[str, float] = {
    "topic_fit": 0.35,
    "reverse_fit": 0.15,
    "availability": 0.2,
    "language": 0.1,
    "focus": 0.15,
    "diversity": 0.05,
}

ROLES = ("leader", "junior")


def is_known_focus_area(term: str, custom_areas: frozenset[str] = frozenset()) -> bool:
    """True for a curated focus area or one of the program's own custom areas (``custom:<slug>``)."""
    return term in FOCUS_AREAS or term in custom_areas
