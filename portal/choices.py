"""The answers the COVID-19 Vaccination Registration form offers, as data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Another sex or gender")
    UNSAID = "unsaid", _("Prefer not to answer")


class Race(models.TextChoices):
    """The CDC / OMB race categories; several may be chosen."""

    AMERICAN_INDIAN = "american_indian", _("American Indian or Alaska Native")
    ASIAN = "asian", _("Asian")
    BLACK = "black", _("Black or African American")
    PACIFIC_ISLANDER = "pacific_islander", _("Native Hawaiian or Other Pacific Islander")
    WHITE = "white", _("White")
    OTHER = "other", _("Other race")
    UNSAID = "unsaid", _("Prefer not to answer")


class Ethnicity(models.TextChoices):
    HISPANIC = "hispanic", _("Hispanic or Latino")
    NOT_HISPANIC = "not_hispanic", _("Not Hispanic or Latino")
    UNSAID = "unsaid", _("Prefer not to answer")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Español (Spanish)")
    OTHER = "other", _("Another language")


class ContactMethod(models.TextChoices):
    EMAIL = "email", _("Email")
    TEXT = "text", _("Text message")
    PHONE = "phone", _("Phone call")


class Sector(models.TextChoices):
    """Where a person works: the eight frontline essential sectors of group 3, then the other
    essential sectors of group 4 (nc-vaccine-groups.md)."""

    CRITICAL_MANUFACTURING = "critical_manufacturing", _("Critical manufacturing")
    EDUCATION = "education", _("Education (child care, pre-K–12)")
    ESSENTIAL_GOODS = "essential_goods", _("Essential goods (grocery, pharmacy)")
    FOOD_AGRICULTURE = "food_agriculture", _("Food and agriculture")
    GOVERNMENT = "government", _("Government and community services")
    HEALTH_PUBLIC_HEALTH = "health_public_health", _("Health care and public health")
    PUBLIC_SAFETY = "public_safety", _("Public safety")
    TRANSPORTATION = "transportation", _("Transportation")
    CHEMICAL = "chemical", _("Chemical")
    COMMERCIAL_FACILITIES = "commercial_facilities", _("Commercial facilities")
    COMMUNICATIONS = "communications", _("Communications and information technology")
    DEFENSE = "defense", _("Defense industrial base")
    ENERGY = "energy", _("Energy")
    FINANCIAL = "financial", _("Financial services")
    PUBLIC_WORKS = "public_works", _("Public works and infrastructure")
    NONE = "none", _("None of these")


FRONTLINE_SECTORS = [
    Sector.CRITICAL_MANUFACTURING,
    Sector.EDUCATION,
    Sector.ESSENTIAL_GOODS,
    Sector.FOOD_AGRICULTURE,
    Sector.GOVERNMENT,
    Sector.HEALTH_PUBLIC_HEALTH,
    Sector.PUBLIC_SAFETY,
    Sector.TRANSPORTATION,
]
OTHER_ESSENTIAL_SECTORS = [
    Sector.CHEMICAL,
    Sector.COMMERCIAL_FACILITIES,
    Sector.COMMUNICATIONS,
    Sector.DEFENSE,
    Sector.ENERGY,
    Sector.FINANCIAL,
    Sector.PUBLIC_WORKS,
]

# North Carolina's 100 counties.
NC_COUNTIES = [
    "Alamance", "Alexander", "Alleghany", "Anson", "Ashe", "Avery", "Beaufort", "Bertie",
    "Bladen", "Brunswick", "Buncombe", "Burke", "Cabarrus", "Caldwell", "Camden", "Carteret",
    "Caswell", "Catawba", "Chatham", "Cherokee", "Chowan", "Clay", "Cleveland", "Columbus",
    "Craven", "Cumberland", "Currituck", "Dare", "Davidson", "Davie", "Duplin", "Durham",
    "Edgecombe", "Forsyth", "Franklin", "Gaston", "Gates", "Graham", "Granville", "Greene",
    "Guilford", "Halifax", "Harnett", "Haywood", "Henderson", "Hertford", "Hoke", "Hyde",
    "Iredell", "Jackson", "Johnston", "Jones", "Lee", "Lenoir", "Lincoln", "McDowell", "Macon",
    "Madison", "Martin", "Mecklenburg", "Mitchell", "Montgomery", "Moore", "Nash",
    "New Hanover", "Northampton", "Onslow", "Orange", "Pamlico", "Pasquotank", "Pender",
    "Perquimans", "Person", "Pitt", "Polk", "Randolph", "Richmond", "Robeson", "Rockingham",
    "Rowan", "Rutherford", "Sampson", "Scotland", "Stanly", "Stokes", "Surry", "Swain",
    "Transylvania", "Tyrrell", "Union", "Vance", "Wake", "Warren", "Washington", "Watauga",
    "Wayne", "Wilkes", "Wilson", "Yadkin", "Yancey",
]  # fmt: skip

# The 50 states and the District of Columbia, for the home address.
US_STATES = [
    ("AL", _("Alabama")), ("AK", _("Alaska")), ("AZ", _("Arizona")), ("AR", _("Arkansas")),
    ("CA", _("California")), ("CO", _("Colorado")), ("CT", _("Connecticut")),
    ("DE", _("Delaware")), ("DC", _("District of Columbia")), ("FL", _("Florida")),
    ("GA", _("Georgia")), ("HI", _("Hawaii")), ("ID", _("Idaho")), ("IL", _("Illinois")),
    ("IN", _("Indiana")), ("IA", _("Iowa")), ("KS", _("Kansas")), ("KY", _("Kentucky")),
    ("LA", _("Louisiana")), ("ME", _("Maine")), ("MD", _("Maryland")), ("MA", _("Massachusetts")),
    ("MI", _("Michigan")), ("MN", _("Minnesota")), ("MS", _("Mississippi")), ("MO", _("Missouri")),
    ("MT", _("Montana")), ("NE", _("Nebraska")), ("NV", _("Nevada")), ("NH", _("New Hampshire")),
    ("NJ", _("New Jersey")), ("NM", _("New Mexico")), ("NY", _("New York")),
    ("NC", _("North Carolina")), ("ND", _("North Dakota")), ("OH", _("Ohio")),
    ("OK", _("Oklahoma")), ("OR", _("Oregon")), ("PA", _("Pennsylvania")),
    ("RI", _("Rhode Island")), ("SC", _("South Carolina")), ("SD", _("South Dakota")),
    ("TN", _("Tennessee")), ("TX", _("Texas")), ("UT", _("Utah")), ("VT", _("Vermont")),
    ("VA", _("Virginia")), ("WA", _("Washington")), ("WV", _("West Virginia")),
    ("WI", _("Wisconsin")), ("WY", _("Wyoming")),
]  # fmt: skip
